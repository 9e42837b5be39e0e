"""Law search: an in-memory sparse BM25 index over character unigrams and bigrams, a
colloquial→legal concept expansion table, and direct hits for 《X》第N条."""
