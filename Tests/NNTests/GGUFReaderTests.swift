import Foundation
import XCTest
import Tensor
import NN

/// Round trips through the test's own writer: every metadata type, every supported tensor
/// type with hand-built blocks whose values follow from the block layout.
final class GGUFReaderTests: XCTestCase {
    func testMetadataOfEveryTypeRoundTrips() throws {
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(255)), ("i8", .int8(-128)), ("u16", .uint16(65535)), ("i16", .int16(-32768)),
            ("u32", .uint32(.max)), ("i32", .int32(.min)), ("u64", .uint64(.max)), ("i64", .int64(.min)),
            ("f32", .float32(-1.5e-7)), ("f64", .float64(.pi)), ("yes", .bool(true)), ("no", .bool(false)),
            ("s", .string("héllo\n<|im_end|> 🙂")), ("empty", .string("")),
            ("strings", .array([.string("Ġthe"), .string(""), .string("世界")])),
            ("ints", .array([.int32(-1), .int32(2)])),
            ("nested", .array([.array([.uint8(1)]), .array([.uint8(2), .uint8(3)])])),
        ]
        var w = GGUFFixtureWriter()
        for (k, v) in values { w.add(k, v) }
        let url = try GGUFTestSupport.temporaryFile(w.data())
        defer { GGUFTestSupport.remove(url) }
        let f = try GGUFFile(url: url)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadataKeys, values.map(\.0))
        for (k, v) in values { XCTAssertEqual(f.metadata[k], v, k) }
        XCTAssertEqual(f.tensors.count, 0)
        XCTAssertEqual(f.alignment, 32)

        XCTAssertEqual(try f.requireInt("u32"), Int(UInt32.max))
        XCTAssertEqual(try f.requireInt("i8"), -128)
        XCTAssertEqual(try f.requireFloat("f64"), .pi)
        XCTAssertEqual(try f.requireFloat("f32"), Double(Float(-1.5e-7)))
        XCTAssertEqual(try f.requireString("s"), "héllo\n<|im_end|> 🙂")
        XCTAssertEqual(try f.requireStringArray("strings"), ["Ġthe", "", "世界"])
        XCTAssertEqual(try f.requireIntArray("ints"), [-1, 2])
        XCTAssertEqual(try f.requireBool("yes"), true)
        XCTAssertNil(f.metadata["u64"]!.int, "u64 max does not fit an Int")
    }

    func testRequireNamesFileAndKey() throws {
        let url = try GGUFTestSupport.temporaryFile(GGUFTestSupport.validWriter().data())
        defer { GGUFTestSupport.remove(url) }
        let f = try GGUFFile(url: url)
        XCTAssertEqual(try f.requireString("general.architecture"), "llama")
        XCTAssertEqual(try f.requireInt("llama.block_count"), 2)
        XCTAssertEqual(try f.requireFloat("llama.rope.freq_base"), 10000)
        func check(_ body: () throws -> Void, _ reason: GGUFError.Reason, _ key: String) {
            XCTAssertThrowsError(try body()) { e in
                guard let e = e as? GGUFError else { return XCTFail("\(e)") }
                XCTAssertEqual(e.reason, reason)
                XCTAssertEqual(e.key, key)
                XCTAssertTrue(e.description.contains(url.path) && e.description.contains(key), e.description)
            }
        }
        check({ _ = try f.requireInt("llama.context_length") }, .missingKey, "llama.context_length")
        check({ _ = try f.requireInt("general.architecture") },
              .wrongKeyType(expected: "an integer", found: "string"), "general.architecture")
        check({ _ = try f.requireString("llama.block_count") },
              .wrongKeyType(expected: "a string", found: "u32"), "llama.block_count")
        check({ _ = try f.requireIntArray("tokenizer.ggml.tokens") },
              .wrongKeyType(expected: "an array of integers", found: "array[string]"), "tokenizer.ggml.tokens")
        check({ _ = try f.requireStringArray("llama.block_count") },
              .wrongKeyType(expected: "an array of strings", found: "u32"), "llama.block_count")
        XCTAssertThrowsError(try f.dequantized("nope")) { e in
            XCTAssertEqual((e as? GGUFError)?.reason, .missingTensor)
            XCTAssertEqual((e as? GGUFError)?.tensor, "nope")
        }
    }

    func testTensorsOfEverySupportedTypeDecode() throws {
        var w = GGUFFixtureWriter()
        let plain: [Float] = [0, -0.0, 1, -2.5, 65504, 6.103515625e-05, 5.9604644775390625e-08, .infinity]
        w.addTensor("f32", type: .f32, dimensions: [4, 2], data: GGUFFixtureWriter.f32(plain))
        w.addTensor("f16", type: .f16, dimensions: [8], data: GGUFFixtureWriter.f16(plain))
        let bfValues: [Float] = [1, -2, 0.5, 3.140625, -0.0, 0x1p100, 0, 256]  // exact in bf16
        w.addTensor("bf16", type: .bf16, dimensions: [2, 2, 2], data: GGUFFixtureWriter.bf16(bfValues))
        let q8: [Int8] = (0..<32).map { Int8(truncatingIfNeeded: $0 * 9 - 128) }
        w.addTensor("q8_0", type: .q8_0, dimensions: [64],
                    data: GGUFFixtureWriter.q8_0(d: 0.5, q8) + GGUFFixtureWriter.q8_0(d: -0.001, q8))
        let nibbles: [UInt8] = (0..<32).map { UInt8(($0 * 7) % 16) }
        w.addTensor("q4_0", type: .q4_0, dimensions: [32, 2],
                    data: GGUFFixtureWriter.q4_0(d: 0.25, nibbles) + GGUFFixtureWriter.q4_0(d: 3, nibbles.reversed()))
        w.addTensor("q4_1", type: .q4_1, dimensions: [32, 1],
                    data: GGUFFixtureWriter.q4_1(d: 0.125, m: -0.5, nibbles))
        let url = try GGUFTestSupport.temporaryFile(w.data())
        defer { GGUFTestSupport.remove(url) }
        let f = try GGUFFile(url: url)
        XCTAssertEqual(f.tensors.map(\.name), ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"])

        let t32 = try f.dequantized("f32")
        XCTAssertEqual(t32.shape, [2, 4], "ggml [ne0, ne1] reads as (ne1, ne0)")
        XCTAssertEqual(t32.scalars.map(\.bitPattern), plain.map(\.bitPattern))
        XCTAssertEqual(try f.dequantized("f16").scalars.map(\.bitPattern), plain.map(\.bitPattern),
                       "every value is exact in binary16, subnormals and -0 included")
        let tb = try f.dequantized("bf16")
        XCTAssertEqual(tb.shape, [2, 2, 2])
        XCTAssertEqual(tb.scalars, bfValues)

        let expected8 = q8.map { Float($0) * 0.5 } + q8.map { Float($0) * Float(Float16(-0.001)) }
        XCTAssertEqual(try f.dequantized("q8_0").scalars, expected8)
        let expected40 = nibbles.map { Float(Int($0) - 8) * 0.25 } + nibbles.reversed().map { Float(Int($0) - 8) * 3 }
        XCTAssertEqual(try f.dequantized("q4_0").scalars, expected40)
        XCTAssertEqual(try f.dequantized("q4_1").scalars, nibbles.map { Float($0) * 0.125 - 0.5 })

        let q = f.tensor("q4_0")!
        XCTAssertEqual(q.type, .q4_0)
        XCTAssertEqual(q.dimensions, [32, 2])
        XCTAssertEqual([q.rows, q.columns, q.elementCount, q.byteCount], [2, 32, 64, 36])
        XCTAssertEqual(q.offset % 32, 0)
        XCTAssertEqual(Array(f.bytes(of: q)), GGUFFixtureWriter.q4_0(d: 0.25, nibbles) + GGUFFixtureWriter.q4_0(d: 3, nibbles.reversed()))
        // One row alone, as an embedding lookup reads it.
        var row = [Float](repeating: 0, count: 32)
        row.withUnsafeMutableBufferPointer { f.dequantize(q, rows: 1..<2, into: $0.baseAddress!) }
        XCTAssertEqual(row, Array(expected40[32...]))
        XCTAssertEqual(f.parameterCount, 8 + 8 + 8 + 64 + 64 + 32)
    }

    func testCustomAlignmentPlacesData() throws {
        var w = GGUFTestSupport.validWriter()
        w.alignment = 64
        w.add("general.alignment", .uint32(64))
        let url = try GGUFTestSupport.temporaryFile(w.data())
        defer { GGUFTestSupport.remove(url) }
        let f = try GGUFFile(url: url)
        XCTAssertEqual(f.alignment, 64)
        XCTAssertEqual(f.dataOffset % 64, 0)
        for t in f.tensors { XCTAssertEqual(t.offset % 64, 0, t.name) }
        XCTAssertEqual(try f.dequantized("norm").scalars, [1, 2, 3, 4])
        XCTAssertEqual(try f.dequantized("w").scalars, (0..<32).map { Float($0 % 16) * 0.125 - 1 })
    }

    func testVersion2Reads() throws {
        var w = GGUFTestSupport.validWriter()
        w.version = 2
        let url = try GGUFTestSupport.temporaryFile(w.data())
        defer { GGUFTestSupport.remove(url) }
        XCTAssertEqual(try GGUFFile(url: url).version, 2)
    }

    func testTypeNames() {
        XCTAssertEqual(GGMLType(rawValue: 12), .q4_K)
        XCTAssertEqual(GGMLType(rawValue: 12).name, "Q4_K")
        XCTAssertEqual(GGMLType(rawValue: 30), .bf16)
        XCTAssertEqual(GGMLType(rawValue: 4), .unknown(4), "Q4_2 was retired")
        XCTAssertEqual(GGMLType(rawValue: 99).name, "type 99")
        for t in GGMLType.supported {
            XCTAssertTrue(t.isSupported)
            XCTAssertEqual(GGMLType(rawValue: t.rawValue), t)
        }
        XCTAssertEqual(GGMLType.q8_0.blockSize, 32)
        XCTAssertEqual(GGMLType.q8_0.bytesPerBlock, 34)
        XCTAssertEqual(GGMLType.q4_0.bytesPerBlock, 18)
        XCTAssertEqual(GGMLType.q4_1.bytesPerBlock, 20)
        XCTAssertEqual(GGMLType.bf16.bytesPerBlock, 2)
        XCTAssertFalse(GGMLType.q4_K.isSupported)
    }
}
