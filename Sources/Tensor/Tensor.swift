// The Tensor library; see DESIGN.md §2.
