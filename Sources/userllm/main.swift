print("userllm: not yet")
