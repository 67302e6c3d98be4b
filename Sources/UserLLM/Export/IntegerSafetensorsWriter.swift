import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes integer tensors (I32, I64) in the safetensors format — the engine's own writer
/// holds Float32 parameters only. Data is streamed to a temporary file beside the target
/// and renamed into place, so a reader never sees half a shard.
public struct IntegerSafetensorsWriter {
    public enum Column {
        case i32([Int32], shape: [Int])
        case i64([Int64], shape: [Int])

        var dtype: String { if case .i32 = self { return "I32" } else { return "I64" } }
        var shape: [Int] { switch self { case .i32(_, let s), .i64(_, let s): return s } }
        var byteCount: Int { switch self { case .i32(let v, _): return v.count * 4; case .i64(let v, _): return v.count * 8 } }
    }

    public static func write(_ columns: [(String, Column)], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, column) in columns {
            let count = column.shape.reduce(1, *)
            let stored: Int
            switch column { case .i32(let v, _): stored = v.count; case .i64(let v, _): stored = v.count }
            precondition(count == stored, "tensor \(name): shape \(column.shape) holds \(count) values, given \(stored)")
            header[name] = ["dtype": column.dtype, "shape": column.shape, "data_offsets": [offset, offset + column.byteCount]]
            offset += column.byteCount
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // The data starts 8-byte aligned (safetensors pads the header with spaces).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        let handle = try FileHandle(forWritingTo: temporary)
        do {
            var length = UInt64(json.count).littleEndian
            handle.write(Data(bytes: &length, count: 8))
            handle.write(json)
            for (_, column) in columns {
                switch column {
                case .i32(let v, _): v.withUnsafeBytes { handle.write(Data($0)) }
                case .i64(let v, _): v.withUnsafeBytes { handle.write(Data($0)) }
                }
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }
}
