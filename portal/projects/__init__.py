"""村级小微工程招投标: village works from project to payment, published as OCDS 1.1.5."""
