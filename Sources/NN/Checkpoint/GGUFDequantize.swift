/// Decodes rows of GGUF tensor data into Float32. Block layouts (ggml-common.h):
///
///     Q8_0 (34 bytes / 32 values): f16 d, int8 q[32]                      x = q·d
///     Q4_0 (18 bytes / 32 values): f16 d, u8 qs[16]                       x = (n − 8)·d
///     Q4_1 (20 bytes / 32 values): f16 d, f16 m, u8 qs[16]                x = n·d + m
///
/// where the 4-bit n of element j < 16 is the low nibble of qs[j] and that of element
/// j + 16 its high nibble. All values little-endian, blocks packed without padding.
public enum GGUFDequantize {
    /// Decodes `count` elements of `type` at `source` (any alignment) into `out`.
    /// `count` must be a multiple of the type's block size and `type` supported (the
    /// reader checks both for every tensor it accepts).
    public static func row(_ type: GGMLType, from source: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
        switch type {
        case .f32:
            // Little-endian host (x86-64, arm64): the bytes are the floats.
            UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count { out[i] = half(source, 2 * i) }
        case .bf16:
            // bfloat16 is the top half of a float32.
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .q8_0:
            precondition(count % 32 == 0, "Q8_0 rows are whole 32-value blocks")
            for b in 0..<count / 32 {
                let block = source + 34 * b
                let d = half(block, 0)
                let q = (block + 2).assumingMemoryBound(to: Int8.self)
                let y = out + 32 * b
                for j in 0..<32 { y[j] = Float(q[j]) * d }
            }
        case .q4_0:
            precondition(count % 32 == 0, "Q4_0 rows are whole 32-value blocks")
            for b in 0..<count / 32 {
                let block = source + 18 * b
                let d = half(block, 0)
                let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
                let y = out + 32 * b
                for j in 0..<16 {
                    y[j] = Float(Int32(qs[j] & 0x0F) - 8) * d
                    y[j + 16] = Float(Int32(qs[j] >> 4) - 8) * d
                }
            }
        case .q4_1:
            precondition(count % 32 == 0, "Q4_1 rows are whole 32-value blocks")
            for b in 0..<count / 32 {
                let block = source + 20 * b
                let d = half(block, 0)
                let m = half(block, 2)
                let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
                let y = out + 32 * b
                for j in 0..<16 {
                    y[j] = Float(qs[j] & 0x0F) * d + m
                    y[j + 16] = Float(qs[j] >> 4) * d + m
                }
            }
        default:
            preconditionFailure("GGUFDequantize: \(type.name) is not supported")
        }
    }

    /// The little-endian binary16 at `base + offset`, as a Float (exact).
    @inline(__always)
    static func half(_ base: UnsafeRawPointer, _ offset: Int) -> Float {
        SafetensorsDType.halfToFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}
