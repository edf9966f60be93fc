"""The thin browser layer: the only part of pyapp that imports ``js`` / ``pyodide``.

- ``app.App``: the network, the one State, the current image and trace; ``set_state``, ``use_image``
  and ``set_network`` all end in one commit path that fits the state to the network, recomputes what
  changed, re-renders through ``app.renderers`` and mirrors the state in the address hash; one
  delegated listener per event type on #app dispatches to handlers registered with ``app.on``.
- ``dom``: the few DOM helpers views need (a view's whole output goes in with one innerHTML).
- controllers (``examples``, ``overview``, ``detail.host``, ...) each have ``install(app)``, which ends in
  ``app.install(name, controller, events)``; ``detail/`` hosts the registry's detail views
  (pyapp/views/detail/registry.py) with its helpers beside it.
- ``boot.start()``: called by the site's main.py; builds the App and installs the controllers.
"""
