"""The knowledge base: framework rubric, stack catalog, chunking, embeddings, the Chroma index and retrieval."""
