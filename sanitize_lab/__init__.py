"""sanitize_lab: the research harness around ``sanitize`` (tiny offline models, planted corpora, the
training loop, unlearning baselines and the method registry, the demo).

The product (``sanitize``) never imports this package; tests, recipes, benchmarks and notebooks do.
"""
