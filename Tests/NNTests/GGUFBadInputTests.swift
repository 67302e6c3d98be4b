import Foundation
import XCTest
import Tensor
import NN

/// Malformed files, each changed in one thing from a valid one: every one must give a
/// GGUFError naming the file (and the tensor or key at fault) and never crash.
final class GGUFBadInputTests: XCTestCase {
    typealias W = GGUFFixtureWriter

    private func expect(_ w: GGUFFixtureWriter, _ check: (GGUFError) -> Void,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        if let e = try GGUFTestSupport.openError(w.data(), file: file, line: line) { check(e) }
    }

    func testValidBaseOpens() throws {
        let url = try GGUFTestSupport.temporaryFile(GGUFTestSupport.validWriter().data())
        defer { GGUFTestSupport.remove(url) }
        let f = try GGUFFile(url: url)
        XCTAssertEqual(f.tensors.count, 3)
        XCTAssertEqual(try f.dequantized("emb").shape, [2, 32])
    }

    func testTruncatedAtEveryByte() throws {
        let full = GGUFTestSupport.validWriter().data()
        let url = try GGUFTestSupport.temporaryFile(full)
        let f = try GGUFFile(url: url)
        let end = f.tensors.map { $0.offset + $0.byteCount }.max()!
        GGUFTestSupport.remove(url)
        var reasons = Set<String>()
        let scratch = try GGUFTestSupport.temporaryFile(Data())
        defer { GGUFTestSupport.remove(scratch) }
        for cut in 0..<end {
            try full.prefix(cut).write(to: scratch)
            let e: GGUFError
            do {
                _ = try GGUFFile(url: scratch)
                XCTFail("cut at \(cut) opened")
                continue
            } catch let error as GGUFError {
                e = error
            }
            switch e.reason {
            case .truncated: reasons.insert("truncated")
            case .offsetOutOfRange: reasons.insert("offset"); XCTAssertNotNil(e.tensor, "cut \(cut): \(e)")
            default: XCTFail("cut at \(cut): unexpected \(e)")
            }
            XCTAssertTrue(e.description.contains("truncated"), "cut at \(cut): \(e)")
        }
        XCTAssertEqual(reasons, ["truncated", "offset"], "cuts in the header and in the data both seen")
    }

    func testBadMagic() throws {
        var w = GGUFTestSupport.validWriter()
        w.magic = Array("GGML".utf8)
        try expect(w) { e in
            XCTAssertEqual(e.reason, .badMagic(Array("GGML".utf8)))
            XCTAssertTrue(e.description.contains("not a GGUF file"), e.description)
        }
        // A safetensors file is the likely mix-up.
        var st = Data()
        st.append(contentsOf: [2, 0, 0, 0, 0, 0, 0, 0])
        st.append(contentsOf: Array("{}".utf8))
        if let e = try GGUFTestSupport.openError(st) { XCTAssertEqual(e.reason, .badMagic([2, 0, 0, 0])) }
    }

    func testVersions() throws {
        for v: UInt32 in [0, 1, 4, 0x0300_0000] {
            var w = GGUFTestSupport.validWriter()
            w.version = v
            try expect(w) { XCTAssertEqual($0.reason, .unsupportedVersion(v)) }
        }
        var w = GGUFTestSupport.validWriter()
        w.version = 1
        try expect(w) { XCTAssertTrue($0.description.contains("version 1"), $0.description) }
    }

    func testAbsurdCountsAreRefusedBeforeAllocating() throws {
        var w = GGUFTestSupport.validWriter()
        w.tensorCountOverride = 1 << 60
        try expect(w) { XCTAssertEqual($0.reason, .tooMany(what: "tensor count", count: 1 << 60, limit: GGUFLimits.default.maxTensors)) }

        w = GGUFTestSupport.validWriter()
        w.metadataCountOverride = .max
        try expect(w) { XCTAssertEqual($0.reason, .tooMany(what: "metadata count", count: .max, limit: GGUFLimits.default.maxMetadataEntries)) }

        // Within the limit but more than the file holds: the table reads on into the data
        // (here a tensor name "length" made of data bytes) and fails cleanly.
        w = GGUFTestSupport.validWriter()
        w.tensorCountOverride = 60_000
        try expect(w) { e in
            switch e.reason {
            case .truncated, .tooMany: break
            default: XCTFail("\(e)")
            }
        }
    }

    func testAbsurdStringLength() throws {
        var w = GGUFTestSupport.validWriter()
        var value: [UInt8] = []
        W.put(UInt64(1) << 62, &value)
        w.metadata.append((Array("general.name".utf8), 8, value + Array("x".utf8)))
        try expect(w) { e in
            XCTAssertEqual(e.key, "general.name")
            XCTAssertEqual(e.reason, .tooMany(what: "length of a string value", count: 1 << 62, limit: GGUFLimits.default.maxStringLength))
        }
        // A key whose length is absurd.
        w = GGUFTestSupport.validWriter()
        w.metadata.insert(([UInt8](repeating: 0x61, count: 4), 4, [1, 0, 0, 0]), at: 0)
        var data = [UInt8](w.data())
        data.replaceSubrange(24..<32, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        if let e = try GGUFTestSupport.openError(Data(data)) {
            XCTAssertEqual(e.reason, .tooMany(what: "length of a metadata key", count: UInt64(Int64.max), limit: GGUFLimits.default.maxStringLength))
            XCTAssertEqual(e.offset, 24)
        }
        // Within the limit, beyond the file.
        w = GGUFTestSupport.validWriter()
        value = []
        W.put(UInt64(1_000_000), &value)
        w.metadata.append((Array("general.name".utf8), 8, value))
        try expect(w) { e in
            guard case .truncated = e.reason else { return XCTFail("\(e)") }
            XCTAssertEqual(e.key, "general.name")
        }
    }

    func testAbsurdArrayLength() throws {
        var w = GGUFTestSupport.validWriter()
        var value: [UInt8] = []
        W.put(UInt32(8), &value)
        W.put(UInt64(1) << 50, &value)
        w.metadata.append((Array("tokenizer.ggml.merges".utf8), 9, value))
        try expect(w) { e in
            XCTAssertEqual(e.key, "tokenizer.ggml.merges")
            XCTAssertEqual(e.reason, .tooMany(what: "array length", count: 1 << 50, limit: GGUFLimits.default.maxArrayLength))
        }
        // Within the limit, but the file cannot hold that many: refused before reserving.
        value = []
        W.put(UInt32(10), &value)
        W.put(UInt64(10_000_000), &value)
        w.metadata[w.metadata.count - 1].2 = value
        try expect(w) { e in
            guard case .truncated(let what, _, _) = e.reason else { return XCTFail("\(e)") }
            XCTAssertEqual(what, "an array of 10000000 elements")
        }
        // Nested beyond the limit.
        w = GGUFTestSupport.validWriter()
        w.add("deep", .array([.array([.array([.uint8(1)])])]))
        try expect(w) { XCTAssertEqual($0.reason, .arrayNestingTooDeep(limit: 2)) }
    }

    func testOffsets() throws {
        var w = GGUFTestSupport.validWriter()
        w.tensors[2].offset = 1 << 40
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "w")
            guard case .offsetOutOfRange(let offset, let count, _) = e.reason else { return XCTFail("\(e)") }
            XCTAssertEqual([offset, UInt64(count)], [1 << 40, 20])
        }
        w = GGUFTestSupport.validWriter()
        w.tensors[2].offset = .max - 7  // a multiple of 8 that overflows when the size is added
        w.alignment = 8
        w.add("general.alignment", .uint32(8))
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "w")
            guard case .offsetOutOfRange = e.reason else { return XCTFail("\(e)") }
        }
        w = GGUFTestSupport.validWriter()
        w.tensors[1].offset = 4
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "emb")
            XCTAssertEqual(e.reason, .misalignedOffset(offset: 4, alignment: 32))
        }
        w = GGUFTestSupport.validWriter()
        w.tensors[2].offset = 32  // inside "emb" (68 bytes at 32)
        try expect(w) { e in
            XCTAssertEqual(e.reason, .overlapping(other: "emb"))
            XCTAssertEqual(e.tensor, "w")
        }
    }

    func testDimensions() throws {
        var w = GGUFTestSupport.validWriter()
        w.tensors[0].dimensions = [1 << 32, 1 << 32, 1 << 32]
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "norm")
            XCTAssertEqual(e.reason, .sizeOverflow([1 << 32, 1 << 32, 1 << 32]))
        }
        w.tensors[0].dimensions = [.max]
        try expect(w) { XCTAssertEqual($0.reason, .sizeOverflow([.max])) }
        w.tensors[0].dimensions = [4, 0]
        try expect(w) { XCTAssertEqual($0.reason, .badDimensions([4, 0])) }
        w.tensors[0].dimensions = [1, 1, 1, 1, 4]
        try expect(w) { XCTAssertEqual($0.reason, .tooMany(what: "number of dimensions", count: 5, limit: 4)) }
        w = GGUFTestSupport.validWriter()
        w.tensors[1].dimensions = [16, 4]  // Q8_0 rows must be whole 32-value blocks
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "emb")
            XCTAssertEqual(e.reason, .rowNotWholeBlocks(columns: 16, type: .q8_0))
        }
    }

    func testUnsupportedAndUnknownTypes() throws {
        var w = GGUFTestSupport.validWriter()
        w.addTensor("blk.3.ffn_up.weight", type: .q4_K, dimensions: [256, 1], data: [UInt8](repeating: 0, count: 144))
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "blk.3.ffn_up.weight")
            XCTAssertEqual(e.reason, .unsupportedType(.q4_K))
            XCTAssertTrue(e.description.contains("Q4_K") && e.description.contains("blk.3.ffn_up.weight"), e.description)
        }
        w = GGUFTestSupport.validWriter()
        w.tensors[0].type = 99
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "norm")
            XCTAssertEqual(e.reason, .unknownTensorType(99))
        }
        w = GGUFTestSupport.validWriter()
        w.metadata.append((Array("x".utf8), 13, [0, 0, 0, 0]))
        try expect(w) { e in
            XCTAssertEqual(e.key, "x")
            XCTAssertEqual(e.reason, .unknownValueType(13))
        }
    }

    func testNamesAndKeys() throws {
        var w = GGUFTestSupport.validWriter()
        w.metadata.append(([0x67, 0xFF, 0xFE], 4, [1, 0, 0, 0]))
        try expect(w) { XCTAssertEqual($0.reason, .badUTF8(what: "a metadata key")) }

        w = GGUFTestSupport.validWriter()
        w.tensors[0].name = [0xC3]  // a lone lead byte
        try expect(w) { XCTAssertEqual($0.reason, .badUTF8(what: "a tensor name")) }

        w = GGUFTestSupport.validWriter()
        w.metadata.append((Array("s".utf8), 8, Array(W.encodeString("ok").dropLast(2)) + [0xED, 0xA0]))  // surrogate half
        try expect(w) { XCTAssertEqual($0.reason, .badUTF8(what: "a string value")) }

        w = GGUFTestSupport.validWriter()
        w.addTensor("emb", type: .f32, dimensions: [1], data: W.f32([1]))
        try expect(w) { e in
            XCTAssertEqual(e.tensor, "emb")
            XCTAssertEqual(e.reason, .duplicateTensor)
        }

        w = GGUFTestSupport.validWriter()
        w.add("llama.block_count", .uint32(3))
        try expect(w) { e in
            XCTAssertEqual(e.key, "llama.block_count")
            XCTAssertEqual(e.reason, .duplicateKey)
        }

        w = GGUFTestSupport.validWriter()
        w.metadata.append((Array("flag".utf8), 7, [2]))
        try expect(w) { XCTAssertEqual($0.key, "flag") }
    }

    func testBadAlignment() throws {
        for value: GGUFValue in [.uint32(48), .uint32(0), .uint32(1 << 30), .string("32")] {
            var w = GGUFTestSupport.validWriter()
            w.add("general.alignment", value)
            try expect(w) { e in
                XCTAssertEqual(e.key, "general.alignment")
                guard case .badAlignment = e.reason else { return XCTFail("\(e)") }
            }
        }
    }

    func testNotAFile() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/model.gguf")
        XCTAssertThrowsError(try GGUFFile(url: missing)) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/model.gguf") && "\(e)".contains("cannot open"), "\(e)")
        }
        XCTAssertThrowsError(try GGUFFile(url: FileManager.default.temporaryDirectory)) { e in
            XCTAssertTrue("\(e)".contains("not a regular file"), "\(e)")
        }
        if let e = try GGUFTestSupport.openError(Data()) {
            guard case .truncated = e.reason else { return XCTFail("\(e)") }
        }
    }

    /// Random byte flips of a valid file: each opens or fails with a GGUFError, and what
    /// opens decodes without crashing (every range was checked).
    func testRandomCorruptionNeverCrashes() throws {
        let base = [UInt8](GGUFTestSupport.validWriter().data())
        var gen = SeededGenerator(seed: 11)
        var opened = 0, refused = 0
        let url = try GGUFTestSupport.temporaryFile(Data())
        defer { GGUFTestSupport.remove(url) }
        for _ in 0..<800 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &gen) {
                let at = Int.random(in: 0..<bytes.count, using: &gen)
                bytes[at] = UInt8.random(in: 0...255, using: &gen)
            }
            try Data(bytes).write(to: url)
            do {
                let f = try GGUFFile(url: url)
                for t in f.tensors { _ = try f.dequantized(t.name) }
                opened += 1
            } catch is GGUFError {
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 50)
        XCTAssertGreaterThan(opened, 50, "flips in tensor data leave a valid file")
    }
}
