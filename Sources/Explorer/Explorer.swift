// The Explorer library; see DESIGN.md §2.
