import Foundation
import NN
import Tensor
import XCTest

final class SafetensorsTests: XCTestCase {
    private func reason(of body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> SafetensorsError? {
        do {
            try body()
            XCTFail("expected an error", file: file, line: line)
        } catch let e as SafetensorsError {
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    private func malformed(_ name: String) -> SafetensorsError? {
        reason { _ = try Safetensors.read(SafetensorsFixtures.url("malformed/\(name).safetensors")) }
    }

    func testRoundTripKeepsValuesShapesOrderAndMetadata() throws {
        var gen = SeededGenerator(seed: 3)
        let tensors: [(String, Tensor)] = [
            ("z.last.weight", Tensor.randn([4, 5], generator: &gen)),
            ("a.first", Tensor.randn([3], generator: &gen)),
            ("scalar", Tensor.scalar(-1.5)),
            ("empty", Tensor.zeros([0, 3])),
            ("rank4", Tensor.randn([2, 1, 3, 2], generator: &gen)),
        ]
        let dir = try SafetensorsFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try Safetensors.write(tensors, metadata: ["step": "12", "ünïcode": "ok"], to: url)

        let file = try Safetensors.read(url)
        XCTAssertEqual(file.names, tensors.map(\.0), "written in the given order")
        XCTAssertEqual(file.metadata, ["step": "12", "ünïcode": "ok"])
        for (name, t) in tensors {
            let back = try file.tensor(name)
            XCTAssertEqual(back.shape, t.shape, name)
            XCTAssertEqual(back.scalars, t.scalars, name)
        }
        // Data aligned to 8 bytes, as the reference writer pads.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual((8 + Int(headerLength)) % 8, 0)
        XCTAssertEqual(bytes.count, 8 + Int(headerLength) + 4 * (20 + 3 + 1 + 0 + 12))
        // No temporary file left beside it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"])
    }

    func testOverwriteReplacesWholeFile() throws {
        let dir = try SafetensorsFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("ckpt.safetensors")
        try Safetensors.write([("w", Tensor.ones([1000]))], to: url)
        try Safetensors.write([("w", Tensor.full([2], 3))], to: url)
        let file = try Safetensors.read(url)
        XCTAssertEqual(file["w"]?.scalars, [3, 3])
    }

    func testWriteIntoMissingFolderFailsWithoutLeavingFiles() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.safetensors")
        let e = reason { try Safetensors.write([("w", Tensor.ones([2]))], to: url) }
        guard case .io(let why)? = e?.reason else { return XCTFail("\(String(describing: e))") }
        XCTAssertTrue(why.contains("No such file"), why)
    }

    func testDuplicateNamesAreRefused() {
        let e = reason { _ = try Safetensors.encode([("w", Tensor.ones([1])), ("w", Tensor.ones([1]))]) }
        XCTAssertEqual(e?.tensor, "w")
        XCTAssertEqual(e?.reason, .duplicateName)
    }

    func testGoodFixtureReads() throws {
        let file = try Safetensors.read(SafetensorsFixtures.url("malformed/good.safetensors"))
        XCTAssertEqual(file["w"]?.shape, [2, 2])
        XCTAssertEqual(file["w"]?.scalars, [0, 1, 2, 3])
        XCTAssertEqual(file["b"]?.scalars, [4, 5])
    }

    func testShortFile() {
        XCTAssertEqual(malformed("short")?.reason, .truncatedHeaderLength(fileSize: 3))
    }

    func testTruncatedFileNamesTheCutTensor() {
        let e = malformed("truncated")
        XCTAssertEqual(e?.tensor, "b")
        XCTAssertEqual(e?.reason, .offsetsOutOfRange(begin: 16, end: 24, dataSize: 19))
        XCTAssertTrue(e?.description.contains("truncated.safetensors: tensor 'b'") ?? false, "\(String(describing: e))")
    }

    func testHeaderLengthBeyondFile() {
        XCTAssertEqual(malformed("header_beyond_file")?.reason, .headerLengthBeyondFile(headerLength: 1 << 20, fileSize: 15))
    }

    func testBadJSON() {
        guard case .badJSON? = malformed("bad_json")?.reason else { return XCTFail() }
    }

    func testOverlappingOffsets() {
        let e = malformed("overlapping")
        XCTAssertEqual(e?.tensor, "v")
        XCTAssertEqual(e?.reason, .overlapping(other: "w"))
    }

    func testGapBetweenTensors() {
        let e = malformed("gap")
        XCTAssertEqual(e?.tensor, "v")
        XCTAssertEqual(e?.reason, .gap(at: 4))
    }

    func testUnsupportedDType() {
        let e = malformed("wrong_dtype")
        XCTAssertEqual(e?.tensor, "ids")
        XCTAssertEqual(e?.reason, .unsupportedDType("I64"))
    }

    func testShapeTimesDTypeDisagreesWithOffsets() {
        let e = malformed("size_mismatch")
        XCTAssertEqual(e?.tensor, "w")
        XCTAssertEqual(e?.reason, .byteLengthMismatch(expected: 24, actual: 16))
    }

    func testMissingField() {
        let e = malformed("missing_shape")
        XCTAssertEqual(e?.tensor, "w")
        guard case .badEntry? = e?.reason else { return XCTFail() }
    }

    func testTrailingBytesAfterLastTensor() throws {
        var data = try Safetensors.encode([("w", Tensor.ones([2]))])
        data.append(contentsOf: [0, 0, 0, 0])
        let e = reason { _ = try Safetensors.decode(data) }
        XCTAssertEqual(e?.reason, .gap(at: 8))
    }

    func testMissingFileIsAnIOError() {
        let e = reason { _ = try Safetensors.read(URL(fileURLWithPath: "/no/such/file.safetensors")) }
        guard case .io? = e?.reason else { return XCTFail("\(String(describing: e))") }
    }

    // MARK: Loading into parameters

    private func parameters() -> [(String, Tensor)] {
        [("embed.weight", Tensor.zeros([3, 2])), ("norm.weight", Tensor.zeros([2]))]
    }

    private func checkpoint(_ tensors: [(String, Tensor)]) throws -> SafetensorsFile {
        try Safetensors.decode(Safetensors.encode(tensors), path: "ckpt.safetensors")
    }

    func testStrictLoadCopiesEveryParameter() throws {
        let params = parameters()
        let file = try checkpoint([("norm.weight", Tensor(shape: [2], values: [5, 6])),
                                   ("embed.weight", Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6]))])
        let report = try file.load(into: params)
        XCTAssertEqual(report.loaded, ["embed.weight", "norm.weight"])
        XCTAssertEqual(params[0].1.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(params[1].1.scalars, [5, 6])
    }

    func testStrictLoadNamesMissingAndUnexpectedTensorsAndChangesNothing() throws {
        let params = parameters()
        let missing = try checkpoint([("embed.weight", Tensor.ones([3, 2]))])
        let e1 = reason { try missing.load(into: params) }
        XCTAssertEqual(e1?.tensor, "norm.weight")
        XCTAssertEqual(e1?.reason, .missingTensor)
        XCTAssertEqual(params[0].1.scalars, Array(repeating: 0, count: 6), "a failed load leaves parameters alone")

        let extra = try checkpoint([("embed.weight", Tensor.ones([3, 2])), ("norm.weight", Tensor.ones([2])),
                                    ("head.bias", Tensor.ones([3]))])
        let e2 = reason { try extra.load(into: params) }
        XCTAssertEqual(e2?.tensor, "head.bias")
        XCTAssertEqual(e2?.reason, .unexpectedTensor)
        XCTAssertEqual(params[1].1.scalars, [0, 0])
    }

    func testNonStrictLoadReportsWhatItSkipped() throws {
        let params = parameters()
        let file = try checkpoint([("embed.weight", Tensor.ones([3, 2])), ("xattn.0.alpha", Tensor.scalar(1))])
        let report = try file.load(into: params, strict: false)
        XCTAssertEqual(report, SafetensorsFile.LoadReport(loaded: ["embed.weight"], missing: ["norm.weight"],
                                                          unexpected: ["xattn.0.alpha"]))
        XCTAssertEqual(params[0].1.scalars, Array(repeating: 1, count: 6))
        XCTAssertEqual(params[1].1.scalars, [0, 0])
    }

    func testPrefixSelectsOnePartOfAFile() throws {
        let params = parameters()
        let file = try checkpoint([("model.embed.weight", Tensor.ones([3, 2])), ("model.norm.weight", Tensor.full([2], 2)),
                                   ("optimizer.norm.weight.exp_avg", Tensor.ones([2]))])
        let model = file.withPrefix("model.")
        XCTAssertEqual(model.names, ["embed.weight", "norm.weight"])
        try model.load(into: params)
        XCTAssertEqual(params[1].1.scalars, [2, 2])
        let e = reason { try file.withPrefix("optimizer.").load(into: params) }
        XCTAssertEqual(e?.tensor, "embed.weight")
        XCTAssertEqual(e?.file, "ckpt.safetensors [optimizer.*]")
    }

    func testShapeMismatchFailsEvenWhenNotStrict() throws {
        let params = parameters()
        let file = try checkpoint([("embed.weight", Tensor.ones([2, 3])), ("norm.weight", Tensor.ones([2]))])
        for strict in [true, false] {
            let e = reason { try file.load(into: params, strict: strict) }
            XCTAssertEqual(e?.tensor, "embed.weight")
            XCTAssertEqual(e?.reason, .shapeMismatch(expected: [3, 2], found: [2, 3]))
            XCTAssertTrue(e?.description.contains("ckpt.safetensors: tensor 'embed.weight': shape [2, 3]") ?? false)
        }
        XCTAssertEqual(params[1].1.scalars, [0, 0], "checked before anything is copied")
    }
}
