"""The knowledge base: framework rubric, chunking, embeddings, the Chroma index and retrieval."""
