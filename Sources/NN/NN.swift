// The NN library; see DESIGN.md §2.
