print("userllm-tui: not yet")
