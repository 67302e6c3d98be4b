import Foundation
import NN
import Tensor
import XCTest

/// Files from the reference Python `safetensors` library load here, and the engine's
/// output is byte-stable so Tools/reference/check_swift_safetensors.py can verify it.
final class SafetensorsInteropTests: XCTestCase {
    /// Mirrors `expected()` in check_swift_safetensors.py: dyadic values, exact in both.
    static func canonicalTensors() -> [(String, Tensor)] {
        func values(_ n: Int, _ salt: Int, _ shape: [Int]) -> Tensor {
            Tensor(shape: shape, values: (0..<n).map { Float(($0 * 37 + salt) % 101 - 50) / 16 })
        }
        return [
            ("embed.weight", values(15, 1, [5, 3])),
            ("blocks.0.attn.q.weight", values(9, 2, [3, 3])),
            ("blocks.0.gate", values(1, 3, [])),
            ("empty", Tensor.zeros([0, 2])),
            ("quoted \"name\"\\", values(4, 4, [4])),
        ]
    }

    static let canonicalMetadata = ["writer": "userllm", "note": "tab\there"]

    func testEngineOutputMatchesTheCommittedFileThePythonCheckReads() throws {
        let url = SafetensorsFixtures.url("swift_written.safetensors")
        if ProcessInfo.processInfo.environment["USERLLM_UPDATE_FIXTURES"] == "1" {
            try Safetensors.write(Self.canonicalTensors(), metadata: Self.canonicalMetadata, to: url)
        }
        let written = try Safetensors.encode(Self.canonicalTensors(), metadata: Self.canonicalMetadata)
        XCTAssertEqual(written, try Data(contentsOf: url),
                       "writer output changed: regenerate with USERLLM_UPDATE_FIXTURES=1 and run check_swift_safetensors.py")
        let back = try Safetensors.decode(written)
        XCTAssertEqual(back.metadata, Self.canonicalMetadata)
        XCTAssertEqual(back["blocks.0.gate"]?.item, Float((3 % 101) - 50) / 16)
    }

    func testReadsPythonF32WithMetadata() throws {
        let file = try Safetensors.read(SafetensorsFixtures.url("python_f32.safetensors"))
        XCTAssertEqual(file.metadata, ["source": "make_safetensors_fixtures.py", "format": "pt"])
        XCTAssertEqual(Set(file.names), ["x", "matrix", "scalar", "empty"])
        XCTAssertEqual(file["matrix"]?.shape, [2, 3])
        XCTAssertEqual(file["matrix"]?.scalars, [-1, -0.5, 0, 0.5, 1, 1.5])
        XCTAssertEqual(file["scalar"]?.shape, [])
        XCTAssertEqual(file["scalar"]?.item, 7.25)
        XCTAssertEqual(file["empty"]?.shape, [0, 4])
        let x = try file.tensor("x").scalars
        XCTAssertEqual(x[0], 1)
        XCTAssertEqual(x[2], Float(1.0 / 3.0))
        XCTAssertEqual(x[3].sign, .minus)
        XCTAssertEqual(x[6], .infinity)
        XCTAssertTrue(x[8].isNaN)
        XCTAssertEqual(file.entries.first { $0.name == "x" }?.dtype, .f32)
    }

    /// F16 and BF16 convert exactly as torch's `.float()` does (bit for bit, NaN aside).
    func testReadsPythonHalfAndBFloat16LikeTorch() throws {
        let expected = try Safetensors.read(SafetensorsFixtures.url("python_expected.safetensors"))
        for (file, key, dtype) in [("python_f16", "f16_x", SafetensorsDType.f16), ("python_bf16", "bf16_x", .bf16)] {
            let f = try Safetensors.read(SafetensorsFixtures.url("\(file).safetensors"))
            XCTAssertEqual(f.entries.first?.dtype, dtype)
            let got = try f.tensor("x"), want = try expected.tensor(key)
            XCTAssertEqual(got.shape, [3, 4])
            for (g, w) in zip(got.scalars, want.scalars) {
                if w.isNaN { XCTAssertTrue(g.isNaN, file) } else { XCTAssertEqual(g.bitPattern, w.bitPattern, "\(file): \(g) vs \(w)") }
            }
            // Independent of torch: 1 and -2.5 are exact in both formats.
            XCTAssertEqual(Array(got.scalars.prefix(2)), [1, -2.5])
        }
        // Half-specific: the largest half and the smallest subnormal survive exactly.
        let half = try Safetensors.read(SafetensorsFixtures.url("python_f16.safetensors")).tensor("x").scalars
        XCTAssertEqual(half[4], 65504)
        XCTAssertEqual(half[5], Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(half[2], 0.333251953125, "1/3 rounded to 10 mantissa bits")
        let brain = try Safetensors.read(SafetensorsFixtures.url("python_bf16.safetensors")).tensor("x").scalars
        XCTAssertEqual(brain[2], 0.333984375, "1/3 rounded to 7 mantissa bits")
    }
}
