"""Chapter studies: the experiments of particular chapters, built on the core of vglib.

* :mod:`~vglib.studies.compare`: activations compared on one task over seeds (chapter 11);
* :mod:`~vglib.studies.timing`: fair timings of activations and training steps (chapters 5, 8, 11);
* :mod:`~vglib.studies.cost`: counted work of activations and steps (claim 6);
* :mod:`~vglib.studies.dying`: dead units tracked through training, networks born dead (chapter 6);
* :mod:`~vglib.studies.adding`: the adding problem for recurrent nets (chapter 9).

A study may import anything in the core (activations, network, train,
diagnostics, …); nothing in the core imports a study
(``tests/test_architecture.py`` checks it).
"""
