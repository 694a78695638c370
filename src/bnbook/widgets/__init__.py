"""The book's interactive figures, one module per topic.

Each public function returns an ``ipywidgets.VBox`` built by
:func:`bnbook.widgets._figure.make_widget`, with ``.controls`` (name -> control),
``.view`` (the figure), ``.state`` (the numbers last plotted) and ``.axes`` (the grid of
control values the static site offers). Each module also has ``benchmark_cases()``, which
``benchmarks/widgets.py`` uses to time every control.

Live in a kernel (Binder, JupyterLab); baked for the static site when the book is built
(``BNBOOK_BAKE_DIR`` set): see :mod:`bnbook.widgets._bake` for how the views are computed and
switched in the browser with no kernel.
"""
