import Tensor

/// A module that maps one tensor to one tensor (norms, MLPs, Linear), so a block can hold
/// either kind of norm or feed-forward behind one name.
public protocol Layer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}
