// The ExplorerCurses library; see DESIGN.md §2.
