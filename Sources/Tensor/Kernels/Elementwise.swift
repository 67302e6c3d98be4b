/// Elementwise loops over SIMD8 lanes, split over cores when large. The lane function
/// is a closure inlined at each call site; the last partial vector is padded with zeros
/// so tail elements get exactly the same arithmetic as the rest.
enum Elementwise {
    typealias Vec = SIMD8<Float>

    /// dst[i] = f(src[i]); `work` estimates scalar operations per element.
    @inline(__always)
    static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int,
                    work: Int = 1, _ f: (Vec) -> Vec) {
        let vectors = (count + 7) / 8
        Parallel.forEach(vectors, workPerItem: 8 * work) { range in
            for v in range {
                let i = v * 8
                if i + 8 <= count {
                    let r = f(UnsafeRawPointer(src + i).loadUnaligned(as: Vec.self))
                    UnsafeMutableRawPointer(dst + i).storeBytes(of: r, as: Vec.self)
                } else {
                    var x = Vec()
                    for j in 0..<(count - i) { x[j] = src[i + j] }
                    let r = f(x)
                    for j in 0..<(count - i) { dst[i + j] = r[j] }
                }
            }
        }
    }

    /// dst[i] = f(a[i], b[i]).
    @inline(__always)
    static func zip(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                    count: Int, work: Int = 1, _ f: (Vec, Vec) -> Vec) {
        let vectors = (count + 7) / 8
        Parallel.forEach(vectors, workPerItem: 8 * work) { range in
            for v in range {
                let i = v * 8
                if i + 8 <= count {
                    let r = f(UnsafeRawPointer(a + i).loadUnaligned(as: Vec.self),
                              UnsafeRawPointer(b + i).loadUnaligned(as: Vec.self))
                    UnsafeMutableRawPointer(dst + i).storeBytes(of: r, as: Vec.self)
                } else {
                    var x = Vec(), y = Vec()
                    for j in 0..<(count - i) { x[j] = a[i + j]; y[j] = b[i + j] }
                    let r = f(x, y)
                    for j in 0..<(count - i) { dst[i + j] = r[j] }
                }
            }
        }
    }

    /// dst[i] = f(a[i], b[i], c[i]).
    @inline(__always)
    static func zip3(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                     _ dst: UnsafeMutablePointer<Float>, count: Int, work: Int = 1, _ f: (Vec, Vec, Vec) -> Vec) {
        let vectors = (count + 7) / 8
        Parallel.forEach(vectors, workPerItem: 8 * work) { range in
            for v in range {
                let i = v * 8
                if i + 8 <= count {
                    let r = f(UnsafeRawPointer(a + i).loadUnaligned(as: Vec.self),
                              UnsafeRawPointer(b + i).loadUnaligned(as: Vec.self),
                              UnsafeRawPointer(c + i).loadUnaligned(as: Vec.self))
                    UnsafeMutableRawPointer(dst + i).storeBytes(of: r, as: Vec.self)
                } else {
                    var x = Vec(), y = Vec(), z = Vec()
                    for j in 0..<(count - i) { x[j] = a[i + j]; y[j] = b[i + j]; z[j] = c[i + j] }
                    let r = f(x, y, z)
                    for j in 0..<(count - i) { dst[i + j] = r[j] }
                }
            }
        }
    }
}

extension Tensor {
    /// A new tensor of this shape with `f` applied per lane (no tape).
    @inline(__always)
    func mapLanes(work: Int = 1, _ f: (SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
        let out = Tensor.empty(shape)
        Elementwise.map(pointer, out.pointer, count: count, work: work, f)
        return out
    }

    /// f(self, other) per lane for two tensors of the same size (no tape).
    @inline(__always)
    func zipLanes(_ other: Tensor, work: Int = 1, _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
        precondition(other.count == count, "elementwise \(shape) with \(other.shape)")
        let out = Tensor.empty(shape)
        Elementwise.zip(pointer, other.pointer, out.pointer, count: count, work: work, f)
        return out
    }

    /// f(self, b, c) per lane for three tensors of the same size (no tape).
    @inline(__always)
    func zipLanes(_ b: Tensor, _ c: Tensor, work: Int = 1,
                  _ f: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
        precondition(b.count == count && c.count == count, "elementwise \(shape) with \(b.shape), \(c.shape)")
        let out = Tensor.empty(shape)
        Elementwise.zip3(pointer, b.pointer, c.pointer, out.pointer, count: count, work: work, f)
        return out
    }
}
