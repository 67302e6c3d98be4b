import Tensor

/// Keys and values of the tokens seen so far, for incremental decoding of one attention
/// layer. The buffers are allocated once at full capacity and filled in place; attention
/// reads their first `length` rows (`Tensor.attention(keyCount:)`), so a decoding step
/// copies only the new rows. Inference only: nothing here is on the autograd tape.
public final class KVCache {
    public let batch: Int
    public let heads: Int
    public let headDim: Int
    public let capacity: Int
    /// (B, H, capacity, Dh)
    public let keys: Tensor
    /// (B, H, capacity, Dh)
    public let values: Tensor
    /// Rows filled so far: the position of the next token.
    public private(set) var length = 0

    public init(batch: Int, heads: Int, headDim: Int, capacity: Int) {
        (self.batch, self.heads, self.headDim, self.capacity) = (batch, heads, headDim, capacity)
        keys = Tensor.zeros([batch, heads, capacity, headDim])
        values = Tensor.zeros([batch, heads, capacity, headDim])
    }

    /// Appends new rows: k and v (B, H, Tn, Dh).
    public func append(keys k: Tensor, values v: Tensor) {
        let tn = k.shape[2]
        precondition(k.shape == [batch, heads, tn, headDim] && v.shape == k.shape,
                     "KVCache(\(batch), \(heads), _, \(headDim)) cannot take keys \(k.shape), values \(v.shape)")
        precondition(length + tn <= capacity, "KVCache full: \(length) + \(tn) tokens > capacity \(capacity)")
        for pair in 0..<(batch * heads) {
            let dst = (pair * capacity + length) * headDim, src = pair * tn * headDim
            (keys.pointer + dst).update(from: k.pointer + src, count: tn * headDim)
            (values.pointer + dst).update(from: v.pointer + src, count: tn * headDim)
        }
        length += tn
    }

    /// Forgets every token; the buffers are kept for the next sequence.
    public func reset() { length = 0 }

    /// Rearranges the batch: row i becomes the old row `sources[i]` (beam search keeps the
    /// surviving beams). `sources.count` must equal the batch size.
    public func reorder(_ sources: [Int]) {
        precondition(sources.count == batch, "KVCache.reorder wants \(batch) indices, got \(sources.count)")
        let slab = heads * capacity * headDim, used = length * headDim
        for buffer in [keys, values] {
            let old = buffer.copy()
            for (i, s) in sources.enumerated() where s != i {
                for hi in 0..<heads {
                    let off = hi * capacity * headDim
                    (buffer.pointer + i * slab + off).update(from: old.pointer + s * slab + off, count: used)
                }
            }
        }
    }
}
