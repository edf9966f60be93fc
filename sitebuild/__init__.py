"""The site build (``python build.py``), one module per concern:

- common: the folders, BuildError, the log, hashes, downloads, the writer of the output folder;
- runtime: Pyodide and PyScript from node_modules, checked against pyodide-lock.json;
- wheels: the NumPy and Pillow wheels, and the page's Python as bytecode (bytecode: the compiler, in Pyodide),
  cut to what start-up imports (trim) with their WebAssembly as files of their own (side_modules);
- names: content-hashed names for every file the page loads;
- examples: the dataset and one example image per class;
- page: index.html, the first paint, the article, the load plan and its integrity hashes;
- app: the app zip, the icons and the web manifest, the service worker and its precache manifest;
- server: the local server; cli: the command line;
- steps: the build itself, as a list of named steps.
"""
