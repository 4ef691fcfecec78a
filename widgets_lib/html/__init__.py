"""Every piece of HTML and SVG the course shows or prints: charts, the capacity figure, network
pictures, tables, messages' markup and the reports. Pure functions of models to strings; nothing
here imports ipywidgets (``tests/unit/test_layers.py`` checks), so the reports and the benchmarks
can use them without a widget in sight. User text is always escaped here, at the point it becomes
HTML."""
