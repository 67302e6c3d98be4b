import Foundation
import XCTest
import NN

/// Helpers shared by the GGUF tests: fixture paths, temporary files, error checks.
enum GGUFTestSupport {
    static func fixture(_ name: String) -> URL {
        SafetensorsFixtures.packageRoot.appendingPathComponent("Tests/Fixtures/gguf").appendingPathComponent(name)
    }

    /// Writes `data` to a fresh temporary file (removed at process exit by the OS's tmp
    /// cleaning; the tests remove what they can).
    static func temporaryFile(_ data: Data, name: String = "fixture.gguf") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    /// Opens `data` as a file and returns the GGUFError it must raise; fails the test when
    /// it opens or raises anything else.
    static func openError(_ data: Data, limits: GGUFLimits = .default, requireSupportedTypes: Bool = true,
                          file: StaticString = #filePath, line: UInt = #line) throws -> GGUFError? {
        let url = try temporaryFile(data)
        defer { remove(url) }
        do {
            _ = try GGUFFile(url: url, limits: limits, requireSupportedTypes: requireSupportedTypes)
            XCTFail("opened without error", file: file, line: line)
            return nil
        } catch let e as GGUFError {
            XCTAssertTrue(e.description.contains(url.path), "error does not name the file: \(e)", file: file, line: line)
            return e
        } catch {
            XCTFail("not a GGUFError: \(error)", file: file, line: line)
            return nil
        }
    }

    /// A small valid file: metadata of several types and tensors of each supported type.
    static func validWriter() -> GGUFFixtureWriter {
        var w = GGUFFixtureWriter()
        w.add("general.architecture", .string("llama"))
        w.add("llama.block_count", .uint32(2))
        w.add("llama.rope.freq_base", .float32(10000))
        w.add("tokenizer.ggml.tokens", .array([.string("<s>"), .string("a"), .string("b")]))
        w.addTensor("norm", type: .f32, dimensions: [4], data: GGUFFixtureWriter.f32([1, 2, 3, 4]))
        w.addTensor("emb", type: .q8_0, dimensions: [32, 2],
                    data: GGUFFixtureWriter.q8_0(d: 0.5, (0..<32).map { Int8($0 - 16) })
                        + GGUFFixtureWriter.q8_0(d: -0.25, (0..<32).map { Int8(3 * $0 - 50) }))
        w.addTensor("w", type: .q4_1, dimensions: [32, 1],
                    data: GGUFFixtureWriter.q4_1(d: 0.125, m: -1, (0..<32).map { UInt8($0 % 16) }))
        return w
    }
}
