// The UserLLM library; see DESIGN.md §2.
