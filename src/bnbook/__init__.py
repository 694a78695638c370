"""bnbook: the one implementation behind the Batch Normalization course.

* :mod:`bnbook.functional` - the normalizations as pure functions, forward and backward,
  on the Python array API (NumPy, CuPy, array_api_strict).
* :mod:`bnbook.inference` - batch norm at test time: running statistics, eval mode, folding.
* :mod:`bnbook.activations` - sigmoid and softmax.
* :mod:`bnbook.layers` - thin classes with state: BatchNorm with running statistics,
  Linear, Conv2d, activations, SGD; ``model.to(xp)`` moves a model to another array library.
* :mod:`bnbook.nets` - small MLPs and CNNs and a deterministic training loop.
* :mod:`bnbook.arrays` - which library an array belongs to, and moving arrays between them.
* :mod:`bnbook.data` - data that ships with the dependencies (scikit-learn's digits).
* :mod:`bnbook.i18n` - the labels of figures and widgets in three languages.
* :mod:`bnbook.widgets` - the interactive figures of the book.
"""

__version__ = "0.1.0"
