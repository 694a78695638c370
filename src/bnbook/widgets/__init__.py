"""The book's interactive figures, one module per topic.

Each public function returns an ``ipywidgets.VBox`` built by
:func:`bnbook.widgets._figure.make_widget`, with ``.controls`` (name -> control),
``.view`` (the figure) and ``.state`` (the numbers last plotted). Each module also has
``benchmark_cases()``, which ``benchmarks/widgets.py`` uses to time every control.
"""
