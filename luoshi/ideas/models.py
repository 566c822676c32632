"""金点子 / 改革创新建议 (built by the ideas work; placeholder)."""
