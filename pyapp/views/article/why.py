"""The article's section on the "Why?" view: what the four heat maps show, what they do not, and how well
they point at the object (the figures of tests/bench/bench_pointing.py).

``section()`` is an XHTML fragment in the style of site/article.html (well-formed XML). The sentences that
compare a method with the centre baseline are written from ``POINTING``, so they stay true when the
figures are measured again and copied here.
"""
from __future__ import annotations

from ...engine import explain
from ...ui import svg
from ...ui.words import indefinite

SECTION_ID = "article-why"
# tests/bench/bench_pointing.py, trained weights of weights/tiny_vgg.npz, 250 validation images, true class:
# share of images whose heat-map maximum is inside the object's box (all images; the 116 whose box covers
# under half of the image).
POINTING = {
    "saliency": (0.688, 0.405),
    "gradient-x-input": (0.700, 0.466),
    "gradcam": (0.752, 0.586),
    "occlusion": (0.792, 0.595),
}
CENTRE = (0.908, 0.802)  # always pointing at the image's centre
RANDOM = (0.544, 0.246)  # a random pixel: the box's average share of the image
IMAGES, SMALL_IMAGES = 250, 116

METHOD_TEXT = {
    "saliency": "the gradient of the class's logit with respect to every input pixel; the map shows its largest "
                "size over the three colours. It answers one question: if this pixel changed a tiny bit, how much "
                "would the score move?",
    "gradient-x-input": "the same gradient multiplied by the pixel's value and summed over the colours: a "
                        "first-order guess at each pixel's share of the score, positive or negative.",
    "gradcam": "the ten maps of <code>conv_2_2</code> after its ReLU, each weighted by the average gradient of the "
               "class's logit over it, added up, negative parts cut off. The 26\u00d726 result is drawn over the "
               "photo by putting each cell at the centre of the 14\u00d714 patch it reads.",
    "occlusion": "a grey 16\u00d716 square put at 13\u00d713 places, 4 pixels apart, and the fall in the class's "
                 "probability at each place. That is 169 forward passes: the engine runs them as one batch that "
                 "recomputes only the part of each layer the square can reach.",
}


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def no_better() -> list[str]:
    """The methods that hit the box no more often than the centre does, on all images and on small boxes."""
    return [k for k, (everything, small) in POINTING.items() if everything <= CENTRE[0] and small <= CENTRE[1]]


def verdicts() -> list[str]:
    """Plain sentences on how the methods compare with pointing at the centre (written from POINTING)."""
    out, worse = [], no_better()
    if worse:
        best = max(worse, key=lambda k: POINTING[k][0])
        if len(worse) == len(POINTING):
            subject = "None of the methods does"
        elif len(worse) == 1:
            subject = f"{explain.METHODS[worse[0]].label} does"
        else:
            subject = ", ".join(explain.METHODS[k].label for k in worse[:-1]) + \
                f" and {explain.METHODS[worse[-1]].label} do"
        out.append(f"{subject} {'better' if subject.startswith('None') else 'no better'} than pointing at the "
                   f"centre of the image: the centre is inside the box for {_percent(CENTRE[0])} of the photos "
                   f"({_percent(CENTRE[1])} of the small boxes), the best of "
                   f"{'them' if len(worse) > 1 else 'these'}, {explain.METHODS[best].label}, for "
                   f"{_percent(POINTING[best][0])} ({_percent(POINTING[best][1])}).")
    for key, (everything, small) in POINTING.items():
        label = explain.METHODS[key].label
        if key in worse:
            continue
        if everything <= CENTRE[0] or small <= CENTRE[1]:
            out.append(f"{label} beats the centre only on some images ({_percent(everything)} against "
                       f"{_percent(CENTRE[0])} on all, {_percent(small)} against {_percent(CENTRE[1])} on small boxes).")
        else:
            out.append(f"{label} points inside the box more often than the centre does "
                       f"({_percent(everything)} against {_percent(CENTRE[0])}).")
    return out


def _table() -> str:
    head = "<tr><th>Heat map</th><th>All images</th><th>Small boxes</th></tr>"
    rows = [(explain.METHODS[k].label, *v) for k, v in POINTING.items()]
    rows += [("Centre of the image (baseline)", *CENTRE), ("A random pixel (baseline)", *RANDOM)]
    body = "".join(f'<tr data-method="{svg.escape(label)}"><td>{svg.escape(label)}</td>'
                   f"<td>{_percent(a)}</td><td>{_percent(b)}</td></tr>" for label, a, b in rows)
    return f'<table class="article-table why-pointing"><thead>{head}</thead><tbody>{body}</tbody></table>'


# The example of what a heat map does not mean, told with the shipped model's classes when it has them.
BUILT_IN_EXAMPLE = ("koala", "lifeboat")


def _caveat(classes) -> str:
    if classes is None or all(name in classes for name in BUILT_IN_EXAMPLE):
        return ('score for\n    "koala" depended on that region of this photo. It does not mean that the region is what makes '
                'a koala a\n    koala, nor that the network knows what a koala is: a network that learned to spot lifeboats '
                'by the sea\n    around them is shown, correctly, looking at the sea.')
    name = svg.escape(classes[0])
    return (f'score for\n    "{name}" depended on that region of this photo. It does not mean that the region is what '
            f'makes {indefinite(name)}\n    one, nor that the network knows what {indefinite(name)} is: a network that learned a class by '
            'the background\n    it is usually photographed on is shown, correctly, looking at the background.')


def section(classes=None) -> str:
    """The whole section as XHTML text; ``classes``: the model's, for its example."""
    methods = "".join(f"<li><b>{svg.escape(explain.METHODS[k].label)}</b> ({svg.escape(explain.METHODS[k].citation)}): "
                      f"{text}</li>" for k, text in METHOD_TEXT.items())
    return f"""<section id="{SECTION_ID}" class="article-section">
  <h2>Why did it say that?</h2>
  <p>
    The overview shows every number the network computes, but not which parts of the photo its answer
    depended on. The "Why?" view draws a heat map over the photo for one class, by four methods. All of
    them are computed in the page by the same NumPy engine: the network's backward pass is written layer by
    layer beside the forward one and checked against PyTorch.
  </p>
  <ul class="article-list">{methods}</ul>
  <h3>What they show, and what they do not</h3>
  <p>
    These maps explain this model, not the world. A bright region means that this network's {_caveat(classes)}
  </p>
  <p>
    The methods answer different questions and often disagree; none of them is the truth about the network.
    Gradients are local: saliency and gradient \u00d7 input tell what a tiny change would do, not what taking
    a region away would do, and a few pixels often dominate them. Occlusion measures a real change, but its
    answer depends on the size of the square and on the grey, which is not "nothing" to the network. Grad-CAM
    is coarse (one cell per 14\u00d714 patch) and sees only one layer.
  </p>
  <h3>Do they point at the object?</h3>
  <p>
    One simple check is the pointing game (Zhang et al. 2016): for each of the {IMAGES} validation photos, is
    the hottest pixel of the map for the true class inside the box that a person drew around the object?
    Next to the methods are two baselines that look at nothing: always pointing at the centre of the image,
    and pointing at a random pixel. "Small boxes" are the {SMALL_IMAGES} photos whose box covers less than
    half of the image.
  </p>
  {_table()}
  <p>{" ".join(verdicts())}</p>
  <p>
    Every method does better than a random pixel, so the maps are not noise. But in these photos the object
    is usually large and in the middle, and nothing in this test shows that a heat map finds the object
    better than the photographer's framing does. (<code>python tests/bench/bench_pointing.py</code> measures it
    again.)
  </p>
</section>
"""
