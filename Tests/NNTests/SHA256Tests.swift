import AtomicIO
import Foundation
import XCTest

/// SHA-256 against FIPS 180-4's examples and Python's hashlib, fed in pieces that cross
/// block boundaries every way.
final class SHA256Tests: XCTestCase {
    func testKnownDigests() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testPiecesEqualOneUpdateAndPython() throws {
        var gen = SystemRandomNumberGenerator()
        let bytes = Data((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &gen) })
        let whole = SHA256.hex(bytes)
        for piece in [1, 7, 63, 64, 65, 1000] {
            var h = SHA256()
            var i = 0
            while i < bytes.count {
                h.update(bytes.subdata(in: i..<min(i + piece, bytes.count)))
                i += piece
            }
            XCTAssertEqual(h.finish().map { String(format: "%02x", $0) }.joined(), whole, "pieces of \(piece)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try bytes.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try SHA256.hex(fileAt: file), whole)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", file.path]
        let pipe = Pipe()
        python.standardOutput = pipe
        guard (try? python.run()) != nil else { throw XCTSkip("python3 is not available") }
        python.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), whole)
    }
}
