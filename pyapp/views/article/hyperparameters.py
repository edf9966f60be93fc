"""The article's hyperparameter widget: a padded input grid, the kernel window at one position, the output grid.

``render(input_size, padding, kernel_size, stride, step)`` is a pure function to SVG text; the page
calls it on every change and every animation step and sets the result with one innerHTML.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...engine.layers import output_size as floor_output_size
from ...ui import svg

# What the number fields and sliders allow; every combination inside is drawn (bad ones are flagged).
LIMITS = {"input_size": (1, 12), "padding": (0, 4), "kernel_size": (1, 8), "stride": (1, 8)}
DEFAULTS = {"input_size": 5, "padding": 1, "kernel_size": 3, "stride": 1}
LABELS = {"input_size": "Input size", "padding": "Padding", "kernel_size": "Kernel size", "stride": "Stride"}

# Colours: light grey zero padding, blue kernel window and its output, red for what a bad stride leaves out.
PAD_FILL, CELL_FILL, GRID_STROKE = "#eeeeee", "#ffffff", "#b5b5b5"
WINDOW_FILL, WINDOW_STROKE = "#cfe1f2", "#1f6fb2"
MISSED_FILL, ERROR_TEXT = "#fbd3cf", "#b3261e"
TEXT = "#333333"
MAX_GRID_WIDTH = 250  # px of the viewBox for the larger grid; cells shrink to fit
MAX_CELL, MIN_CELL, GAP, MARGIN, TOP = 26, 11, 48, 8, 30
MIN_WIDTH = 330  # room for the equation lines


@dataclass(frozen=True)
class Hyperparameters:
    """One convolution's geometry along one axis (the grids are square)."""

    input_size: int
    padding: int
    kernel_size: int
    stride: int

    @property
    def padded_size(self) -> int:
        return self.input_size + 2 * self.padding

    @property
    def fits(self) -> bool:
        """At least one kernel position exists."""
        return self.kernel_size <= self.padded_size

    @property
    def valid(self) -> bool:
        """The kernel fits and its last step lands exactly on the padded input's far edge."""
        return self.fits and (self.padded_size - self.kernel_size) % self.stride == 0

    @property
    def exact_output(self) -> float:
        """(W - K + 2P) / S + 1, not rounded: a whole number exactly when the stride is valid."""
        return (self.input_size - self.kernel_size + 2 * self.padding) / self.stride + 1

    @property
    def output_size(self) -> int:
        """Positions along one axis, rounded down as PyTorch does; 0 when the kernel does not fit."""
        if not self.fits:
            return 0
        return floor_output_size(self.input_size, self.kernel_size, self.stride, self.padding)

    @property
    def covered(self) -> int:
        """How many padded rows (and columns) some kernel position touches."""
        return (self.output_size - 1) * self.stride + self.kernel_size if self.fits else 0

    def window(self, step: int) -> tuple[int, int]:
        """Top-left (row, column) in the padded grid of the kernel at output position ``step`` (row-major)."""
        n = self.output_size
        row, col = divmod(step % (n * n), n)
        return row * self.stride, col * self.stride


def clamp(values: dict) -> tuple[Hyperparameters, list[str]]:
    """Hyperparameters from raw field values (text or numbers), each kept in LIMITS; notes say what was changed."""
    chosen, notes = {}, []
    for name, (low, high) in LIMITS.items():
        raw = values.get(name, DEFAULTS[name])
        try:
            value = int(float(str(raw).strip()))
        except ValueError:
            notes.append(f"{LABELS[name]} must be a whole number; using {DEFAULTS[name]}.")
            value = DEFAULTS[name]
        if not low <= value <= high:
            kept = min(max(value, low), high)
            notes.append(f"{LABELS[name]} goes from {low} to {high}; using {kept}.")
            value = kept
        chosen[name] = value
    return Hyperparameters(**chosen), notes


def _fmt(value: float) -> str:
    text = str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")
    return text.replace("-", "\u2212")


def equation(hp: Hyperparameters) -> str:
    """The output size formula with this setting's numbers, as plain text."""
    w, k, p, s = hp.input_size, hp.kernel_size, hp.padding, hp.stride
    return f"({w} \u2212 {k} + 2\u00d7{p}) / {s} + 1 = {_fmt(hp.exact_output)}"


def message(hp: Hyperparameters) -> str:
    """One sentence for the reader (and for screen readers) about this setting."""
    n = hp.padded_size
    if not hp.fits:
        return (f"The {hp.kernel_size}\u00d7{hp.kernel_size} kernel does not fit in the {n}\u00d7{n} padded input: "
                "make the kernel smaller, or add padding.")
    if not hp.valid:
        missed = n - hp.covered
        unreached = "row and column" if missed == 1 else f"{missed} rows and columns"
        return (f"The windows do not fit: the output would be {_fmt(hp.exact_output)} cells wide "
                f"({equation(hp)}). With stride {hp.stride} the kernel never "
                f"reaches the last {unreached} (red); PyTorch would quietly drop them and give a "
                f"{hp.output_size}\u00d7{hp.output_size} output.")
    o = hp.output_size
    return (f"A {n}\u00d7{n} padded input and a {hp.kernel_size}\u00d7{hp.kernel_size} kernel with stride "
            f"{hp.stride} give a {o}\u00d7{o} output.")


def _grid(x: float, y: float, cell: float, size: int, fill_of, label_of=None, **cell_attrs) -> str:
    """A size x size grid of rects; ``fill_of(row, col)`` picks each cell's fill."""
    parts = []
    for row in range(size):
        for col in range(size):
            extra = {key: value(row, col) for key, value in cell_attrs.items()}
            parts.append(svg.element("rect", x=x + col * cell, y=y + row * cell, width=float(cell),
                                     height=float(cell), fill=fill_of(row, col), stroke=GRID_STROKE,
                                     stroke_width=1.0, **extra))
            if label_of is not None:
                label = label_of(row, col)
                if label:
                    parts.append(svg.text(label, x=x + (col + 0.5) * cell, y=y + (row + 0.5) * cell,
                                          dy="0.35em", text_anchor="middle", fill="#999999",
                                          font_size=round(cell * 0.45, 1)))
    return "".join(parts)


def render(input_size: int, padding: int, kernel_size: int, stride: int, step: int = 0) -> str:
    """The widget's picture for one setting, with the kernel at output position ``step`` (row-major, wraps)."""
    hp = Hyperparameters(int(input_size), int(padding), int(kernel_size), int(stride))
    n, k, out = hp.padded_size, hp.kernel_size, hp.output_size
    cell = max(MIN_CELL, min(MAX_CELL, MAX_GRID_WIDTH / max(n, out, 1)))
    in_x, grid_y = MARGIN, TOP
    out_x = in_x + max(n * cell + GAP, 120)  # room for the input's title on tiny grids
    width = max(out_x + max(out, 1) * cell + MARGIN, MIN_WIDTH)
    height = grid_y + max(n, out) * cell + 76

    row0, col0 = hp.window(step) if out else (0, 0)
    current = (row0 // hp.stride, col0 // hp.stride) if out else None
    p, covered = hp.padding, hp.covered

    def in_fill(r: int, c: int) -> str:
        if out and row0 <= r < row0 + k and col0 <= c < col0 + k:
            return WINDOW_FILL
        if hp.fits and not hp.valid and (r >= covered or c >= covered):
            return MISSED_FILL
        if r < p or c < p or r >= n - p or c >= n - p:
            return PAD_FILL
        return CELL_FILL

    def pad_label(r: int, c: int) -> str:
        return "0" if (r < p or c < p or r >= n - p or c >= n - p) and cell >= 16 else ""

    parts = [
        svg.text(f"Input {hp.input_size}\u00d7{hp.input_size}" + (f", padded to {n}\u00d7{n}" if p else ""),
                 x=in_x, y=grid_y - 10, fill=TEXT, font_size=13),
        _grid(in_x, grid_y, cell, n, in_fill, pad_label),
    ]
    if p:  # the original input's border inside the padding
        parts.append(svg.element("rect", x=in_x + p * cell, y=grid_y + p * cell, width=hp.input_size * cell,
                                 height=hp.input_size * cell, fill="none", stroke="#777777", stroke_width=1.5))
    if out:
        parts += _output_grid(out, current, in_x + col0 * cell, grid_y + row0 * cell, out_x, grid_y, cell, k)
    parts += _equation(hp, in_x, grid_y + max(n, out) * cell + 22)
    label = message(hp) + (f" Kernel at row {row0 + 1}, column {col0 + 1} of the padded input." if out else "")
    return svg.element("svg", [svg.element("title", svg.escape(label))] + parts,
                       xmlns=svg.SVG_NS, viewBox=f"0 0 {svg.num(width)} {svg.num(height)}",
                       width=float(width), height=float(height), role="img", aria_label=label,
                       class_="hp-figure", data_valid="true" if hp.valid else "false",
                       data_output=str(out), font_family="system-ui, sans-serif")


def _output_grid(out: int, current: tuple[int, int], win_x: float, win_y: float, out_x: float, grid_y: float,
                 cell: float, k: int) -> list[str]:
    """The output grid with the current cell, the kernel's window framed, and the two joined."""
    oy, ox = current
    cell_x, cell_y = out_x + ox * cell, grid_y + oy * cell
    return [
        svg.text(f"Output {out}\u00d7{out}", x=out_x, y=grid_y - 10, fill=TEXT, font_size=13),
        _grid(out_x, grid_y, cell, out,
              lambda r, c: WINDOW_FILL if (r, c) == current else CELL_FILL,
              data_step=lambda r, c: r * out + c, class_=lambda r, c: "hp-output-cell"),
        # the window's right corners joined to the output cell they produce
        svg.element("line", x1=win_x + k * cell, y1=win_y, x2=cell_x, y2=cell_y,
                    stroke=WINDOW_STROKE, stroke_width=1.0, stroke_dasharray="3 3"),
        svg.element("line", x1=win_x + k * cell, y1=win_y + k * cell, x2=cell_x, y2=cell_y + cell,
                    stroke=WINDOW_STROKE, stroke_width=1.0, stroke_dasharray="3 3"),
        svg.element("rect", x=win_x, y=win_y, width=k * cell, height=k * cell, fill="none",
                    stroke=WINDOW_STROKE, stroke_width=3.0, class_="hp-window"),
        svg.element("rect", x=cell_x, y=cell_y, width=float(cell), height=float(cell), fill="none",
                    stroke=WINDOW_STROKE, stroke_width=3.0),
    ]


def _equation(hp: Hyperparameters, x: float, text_y: float) -> list[str]:
    """The output-size formula with this setting's numbers, and what is wrong with it if anything."""
    color = TEXT if hp.valid else ERROR_TEXT
    parts = [svg.text("Output size = (W \u2212 K + 2P) / S + 1", x=x, y=text_y, fill=color, font_size=13),
             svg.text(f"= {equation(hp)}", x=x, y=text_y + 18, fill=color, font_size=13, class_="hp-equation")]
    text_y += 18
    if not hp.valid:
        flag = ("Kernel larger than the padded input" if not hp.fits else
                f"The windows do not fit: the output would be {_fmt(hp.exact_output)} cells wide")
        parts.append(svg.text("\u26a0 " + flag, x=x, y=text_y + 20, fill=ERROR_TEXT, font_size=13,
                              font_weight="bold", class_="hp-error"))
    return parts
