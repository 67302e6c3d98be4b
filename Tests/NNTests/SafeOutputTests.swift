import AtomicIO
import Foundation
import NN
import Tensor
import XCTest

/// Atomic writes go only to a regular file or a new path: a symlink, FIFO, device or
/// folder in the way is refused and left as it was (it used to be replaced by a plain
/// file). And the safetensors reader's own limits.
final class SafeOutputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try SafetensorsFixtures.temporaryFolder()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func kind(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0, path)
        return info.st_mode & S_IFMT
    }

    func refusal(_ url: URL) -> String {
        do {
            try AtomicFile.write(Data("new".utf8), to: url)
            XCTFail("wrote to \(url.path)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testRegularFileAndNewPathAreWritten() throws {
        let existing = dir.appendingPathComponent("a.json")
        try Data("old".utf8).write(to: existing)
        try AtomicFile.write(Data("new".utf8), to: existing)
        XCTAssertEqual(try String(contentsOf: existing, encoding: .utf8), "new")
        let fresh = dir.appendingPathComponent("b.json")
        try AtomicFile.write(Data("new".utf8), to: fresh)
        XCTAssertEqual(try String(contentsOf: fresh, encoding: .utf8), "new")
    }

    func testSymlinkIsRefusedAndKept() throws {
        let target = dir.appendingPathComponent("real.json")
        try Data("keep".utf8).write(to: target)
        let link = dir.appendingPathComponent("link.json")
        XCTAssertEqual(symlink(target.path, link.path), 0)
        let why = refusal(link)
        XCTAssertTrue(why.contains("is a symbolic link; refusing to replace it"), why)
        XCTAssertEqual(kind(link.path), S_IFLNK)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "keep")
    }

    func testFIFOIsRefusedAndKept() throws {
        let fifo = dir.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        let why = refusal(fifo)
        XCTAssertTrue(why.contains("is a FIFO (named pipe); refusing to replace it"), why)
        XCTAssertEqual(kind(fifo.path), S_IFIFO)
    }

    func testDeviceIsRefusedAndKept() throws {
        let why = refusal(URL(fileURLWithPath: "/dev/null"))
        XCTAssertTrue(why.contains("/dev/null: is a character device; refusing to replace it"), why)
        XCTAssertEqual(kind("/dev/null"), S_IFCHR)
    }

    func testFolderIsRefused() throws {
        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        XCTAssertTrue(refusal(sub).contains("is a directory"))
        // Nothing left behind: no temporary files.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["sub"])
    }

    func testCheckpointWriteToSymlinkIsRefused() throws {
        let target = dir.appendingPathComponent("real.safetensors")
        try Safetensors.write([("w", Tensor.ones([2]))], to: target)
        let link = dir.appendingPathComponent("link.safetensors")
        XCTAssertEqual(symlink(target.path, link.path), 0)
        XCTAssertThrowsError(try Safetensors.write([("w", Tensor.zeros([3]))], to: link))
        XCTAssertEqual(try Safetensors.read(target)["w"]?.scalars, [1, 1])
        XCTAssertEqual(kind(link.path), S_IFLNK)
    }

    // MARK: Reading

    func testFIFOAndFolderAsCheckpointAreRefusedNotWaitedOn() throws {
        let fifo = dir.appendingPathComponent("ckpt.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try Safetensors.read(fifo)) { XCTAssertTrue("\($0)".contains("is a FIFO"), "\($0)") }
        XCTAssertThrowsError(try Safetensors.read(dir)) { XCTAssertTrue("\($0)".contains("is a directory"), "\($0)") }
    }

    func testDeeplyNestedHeaderIsRefused() throws {
        let deep = String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000)
        var header = Array("{\"__metadata__\": \(deep)}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        XCTAssertThrowsError(try Safetensors.decode(data, path: "deep.safetensors")) { error in
            XCTAssertEqual("\(error)", "deep.safetensors: bad JSON header: nested more than 16 levels deep (a header nests 3)")
        }
    }

    func testHugeTensorNameIsCutInTheMessage() throws {
        let name = String(repeating: "n", count: 1_000_000)
        let error = SafetensorsError(file: "x.safetensors", tensor: name, reason: .missingTensor)
        XCTAssertLessThan("\(error)".count, 300)
    }
}
