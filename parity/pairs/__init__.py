"""Weight transplants between each example's legacy variables and its port (and PyTorch)."""
