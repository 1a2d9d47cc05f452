"""Operations: starting the stack, benchmarks' plumbing."""
