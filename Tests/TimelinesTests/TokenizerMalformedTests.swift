import Foundation
import XCTest
import Timelines

/// A broken tokenizer.json is refused with the file, the JSON key and the reason.
final class TokenizerMalformedTests: XCTestCase {
    private func expectError(_ fixture: String, key: String, reasonContains reason: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let url = TokenizerTestSupport.fixtures.appendingPathComponent("malformed/\(fixture)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "fixture \(fixture)", file: file, line: line)
        do {
            _ = try BPETokenizer.load(from: url)
            XCTFail("\(fixture) loaded", file: file, line: line)
        } catch let error as TokenizerError {
            XCTAssertEqual(error.file, url.path, file: file, line: line)
            XCTAssertEqual(error.key, key, "\(error)", file: file, line: line)
            XCTAssertTrue(error.reason.contains(reason), "\(error)", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix(url.path), file: file, line: line)
        } catch {
            XCTFail("\(fixture): unexpected \(error)", file: file, line: line)
        }
    }

    func testTruncatedJSON() { expectError("truncated.json", key: "", reasonContains: "not valid JSON") }
    func testTopLevelNotObject() { expectError("not-an-object.json", key: "", reasonContains: "not a JSON object") }
    func testMissingVocab() { expectError("missing-vocab.json", key: "model.vocab", reasonContains: "missing") }
    func testMergeWithUnknownToken() {
        expectError("merge-unknown-token.json", key: "model.merges[1]", reasonContains: "token \"c\" is not in model.vocab")
    }
    func testMergeWhoseResultIsMissing() {
        expectError("merge-result-missing.json", key: "model.merges[1]", reasonContains: "merged token \"ba\" is not in model.vocab")
    }
    func testMergeWithThreeParts() {
        expectError("merge-three-parts.json", key: "model.merges[0]", reasonContains: "is not two tokens")
    }
    func testDuplicateID() { expectError("duplicate-id.json", key: "model.vocab", reasonContains: "id 1 is given to both") }
    func testNegativeID() { expectError("negative-id.json", key: "model.vocab[\"b\"]", reasonContains: "not a non-negative integer") }
    func testUnsupportedNormalizer() { expectError("unsupported-normalizer.json", key: "normalizer", reasonContains: "NFC is not supported") }
    func testUnsupportedPreTokenizer() {
        expectError("unsupported-pre-tokenizer.json", key: "pre_tokenizer.type", reasonContains: "Whitespace is not supported")
    }
    func testWordPieceModel() { expectError("wordpiece-model.json", key: "model.type", reasonContains: "WordPiece is not supported") }
    func testAddedTokenWithoutContent() {
        expectError("added-token-no-content.json", key: "added_tokens[0].content", reasonContains: "missing")
    }

    func testMissingFile() {
        let url = TokenizerTestSupport.fixtures.appendingPathComponent("malformed/does-not-exist.json")
        XCTAssertThrowsError(try BPETokenizer.load(from: url)) { error in
            XCTAssertEqual((error as? TokenizerError)?.file, url.path)
            XCTAssertTrue("\(error)".contains("cannot read"), "\(error)")
        }
    }

    /// Saving into a folder that does not exist fails cleanly and leaves no temporary file.
    func testSaveIntoMissingFolderThrows() throws {
        let tokenizer = BPETokenizer.train(corpus: ["a b a b"], vocabSize: 300)
        let dir = try TokenizerTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("missing/tokenizer.json")
        XCTAssertThrowsError(try tokenizer.save(to: url)) { error in
            XCTAssertTrue("\(error)".contains("missing/tokenizer.json"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
