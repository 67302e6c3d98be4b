import Foundation
import XCTest
import Tensor
import NN

/// Files written by the `gguf` PyPI package (llama.cpp's Python side), with the values its
/// own dequantizer gives: Tools/reference/gguf_dequant_fixture.py wrote
/// Tests/Fixtures/gguf/*.gguf. Our decoding must agree bit for bit.
final class GGUFInteropTests: XCTestCase {
    func testDequantizationMatchesTheGGUFPackage() throws {
        let f = try GGUFFile(url: GGUFTestSupport.fixture("dequant.gguf"))
        let checked: [(String, GGMLType, [Int])] = [
            ("f32", .f32, [3, 64]), ("f16", .f16, [2, 64]), ("bf16", .bf16, [2, 64]),
            ("q8_0", .q8_0, [4, 96]), ("q4_0", .q4_0, [4, 96]), ("q4_1", .q4_1, [4, 96]),
            ("q4_1_3d", .q4_1, [2, 3, 64]),
        ]
        for (name, type, shape) in checked {
            let info = try XCTUnwrap(f.tensor(name), name)
            XCTAssertEqual(info.type, type, name)
            let ours = try f.dequantized(name)
            XCTAssertEqual(ours.shape, shape, name)
            // f32 has no expected twin: the stored floats are the values.
            let theirs = name == "f32" ? ours : try f.dequantized("expected." + name)
            XCTAssertEqual(theirs.shape, shape, name)
            var mismatches = 0
            for i in 0..<ours.count {
                let (a, b) = (ours.pointer[i], theirs.pointer[i])
                if !(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)) {
                    if mismatches < 5 { XCTFail("\(name)[\(i)]: ours \(a), gguf package \(b)") }
                    mismatches += 1
                }
            }
            XCTAssertEqual(mismatches, 0, name)
            // A test that compared zeros would prove nothing.
            XCTAssertGreaterThan(ours.scalars.filter { $0 != 0 }.count, ours.count / 2, name)
        }
        let f16 = try f.dequantized("f16").scalars
        XCTAssertEqual(Array(f16[0..<5]), [.infinity, -.infinity, 0, 0x1p-24, 65504])
        XCTAssertEqual(f16[2].sign, .minus)
    }

    func testMetadataWrittenByTheGGUFPackage() throws {
        let f = try GGUFFile(url: GGUFTestSupport.fixture("dequant.gguf"))
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadataKeys.first, "general.architecture")
        XCTAssertEqual(try f.requireString("general.architecture"), "fixture")
        XCTAssertEqual(f.metadata["test.u8"], .uint8(200))
        XCTAssertEqual(f.metadata["test.i8"], .int8(-100))
        XCTAssertEqual(f.metadata["test.u16"], .uint16(60000))
        XCTAssertEqual(f.metadata["test.i16"], .int16(-30000))
        XCTAssertEqual(f.metadata["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(f.metadata["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(f.metadata["test.u64"], .uint64(1 << 40))
        XCTAssertEqual(f.metadata["test.i64"], .int64(-(1 << 40)))
        XCTAssertEqual(f.metadata["test.f32"], .float32(1e-5))
        XCTAssertEqual(f.metadata["test.f64"], .float64(0.1))
        XCTAssertEqual(f.metadata["test.bool"], .bool(true))
        XCTAssertEqual(try f.requireString("test.string"), "Grüße, 世界 🙂\n<|im_start|>")
        XCTAssertEqual(try f.requireStringArray("test.strings"), ["a", "", "héllo", "Ġworld"])
        XCTAssertEqual(try f.requireIntArray("test.ints"), [3, -1, 7])
        XCTAssertEqual(f.metadata["test.floats"], .array([.float32(0.5), .float32(-2.25)]))
        XCTAssertEqual(f.metadata["test.nested"], .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
        XCTAssertEqual(f.tensors.count, 13)
    }

    func testCustomAlignmentWrittenByTheGGUFPackage() throws {
        let f = try GGUFFile(url: GGUFTestSupport.fixture("align64.gguf"))
        XCTAssertEqual(f.alignment, 64)
        XCTAssertEqual(f.dataOffset % 64, 0)
        XCTAssertEqual(f.tensors.map(\.name), ["a", "b"])
        XCTAssertEqual(f.tensors.map(\.dimensions), [[5], [3, 2]])
        XCTAssertEqual(f.tensors[1].offset - f.dataOffset, 64, "5 floats padded to 64 bytes")
        XCTAssertEqual(try f.dequantized("b").shape, [2, 3])
    }

    func testKQuantWrittenByTheGGUFPackageIsRefusedByName() throws {
        let url = GGUFTestSupport.fixture("q4_k.gguf")
        XCTAssertThrowsError(try GGUFFile(url: url)) { e in
            guard let e = e as? GGUFError else { return XCTFail("\(e)") }
            XCTAssertEqual(e.tensor, "blk.0.ffn_down.weight")
            XCTAssertEqual(e.reason, .unsupportedType(.q4_K))
            XCTAssertTrue(e.description.contains("Q4_K") && e.description.contains("blk.0.ffn_down.weight"), e.description)
        }
        // Listing such a file still works; decoding the K-quant does not.
        let f = try GGUFFile(url: url, requireSupportedTypes: false)
        XCTAssertEqual(f.tensor("blk.0.ffn_down.weight")?.type, .q4_K)
        XCTAssertEqual(f.tensor("blk.0.ffn_down.weight")?.byteCount, 2 * 144)
        XCTAssertEqual(try f.dequantized("norm").count, 256)
        XCTAssertThrowsError(try f.dequantized("blk.0.ffn_down.weight")) { e in
            XCTAssertTrue("\(e)".contains("Q4_K"), "\(e)")
        }
    }
}
