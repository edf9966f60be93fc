"""The article's section on training: the loss, the gradient, a step, batch and epoch, the learning rate,
overfitting and the regularisers the Train panel offers, pointing at the live panel.

site/article.html holds the section folded (a <details> with its summary: the page's DOM is at its bound); the
text, ``body()``, is drawn when it is first opened. Every figure in it is read from the code that trains
(pyapp.learning), so the words stay true when a default changes.
"""
from __future__ import annotations

import math

from . import parameters
from ...ui.svg import escape

# The panel on three classes, from scratch, without augmentation or early stopping: the curves part.
OVERFIT_LINK = "#train&start=scratch&augment=0&stop=0&epochs=30&classes=0,1,2"


def body(description: dict) -> str:
    """The text, as XHTML paragraphs: few elements, most of them plain paragraphs."""
    from ...learning import data, session  # here: the page imports the training code when it is first needed
    classes = len(description["classes"])
    guess = math.log(classes)
    defaults = session.Settings()
    momentum = defaults.optimizer_settings()["momentum"]
    return f"""
  <p>
    Every weight of the network began as a random number; training turned them into the ones on screen, led by
    one number per photo, the <em>loss</em>. For a photo of class c it is \u2212ln p<sub>c</sub>, minus the
    logarithm of the probability the softmax gives the right class: near 0 when the network is sure and right,
    ln {classes} = {guess:.2f} when it spreads its bets evenly over the {classes} classes, large when it is sure
    and wrong. Training makes the loss small on average over the training photos.
  </p>
  <p>
    The <em>gradient</em> of the loss says, for each of the {parameters.total(description):,} weights, how the
    loss would change if that weight grew a little: its sign is the direction that makes the loss worse, its
    size how much. The backward pass computes all of them at once with the chain rule, layer by layer from the
    loss back to the first convolution: the same gradients Why? uses to colour a photo, taken with respect to
    the weights instead of the pixels. At the top it is remarkably simple: the probabilities, minus 1 at the
    true class.
  </p>
  <p>
    A <em>step</em> moves every weight a little against its gradient: w \u2190 w \u2212 \u03b7g, where \u03b7
    is the learning rate. The gradient is the average over a <em>batch</em> of photos ({defaults.batch} unless
    you choose otherwise), so one odd photo cannot throw the weights about, and the matrix products work on
    many photos at once. An <em>epoch</em> is one pass over every training photo, shuffled anew and cut into
    batches. With momentum ({momentum:g}), each step keeps most of the previous one's direction and rolls
    through small bumps; Adam scales each weight's step by the size its gradients have had.
  </p>
  <p>
    The <em>learning rate</em> is the size of the step. Too small, and the loss falls so slowly that nothing
    seems to happen; too large, and each step jumps past the valley it aims for, so the loss swings or climbs
    until the numbers are no longer numbers. The panel stops then, says why, keeps the last good weights and
    suggests a rate ten times smaller: try a learning rate of 10.
  </p>
  <p>
    A low loss on the training photos is only the means; the aim is photos the network has never seen. So
    some photos of each class are held out, never trained on, and measured every {session.EVAL_EVERY} steps
    and at each epoch's end. While both losses fall, the network learns what the class has in common. When the
    training loss keeps falling and the held-out loss turns up, the two curves part: the network has begun to
    learn its training photos by heart, backgrounds and accidents included. That is <em>overfitting</em>, and
    it comes soonest with few photos, many weights and a start from scratch.
  </p>
  <p>
    The panel offers three defences. <em>Augmentation</em> flips each training photo left to right half of the
    time and shifts it by up to {data.CROP_PADDING} pixels (zeros added round the edge, then cropped back to its
    size), so no photo is seen twice exactly the same. <em>Weight decay</em> adds a pull of every weight
    towards zero to its gradient, so only weights that keep earning their size stay large. <em>Early
    stopping</em> watches the held-out loss at each epoch's end: when it has not fallen for {session.PATIENCE}
    epochs, training stops and the weights of the best epoch come back. Where a run starts matters too: the
    shipped weights (fine-tuning), new random ones (from scratch), or transfer, where the convolutions are kept
    and only the dense layer learns, so a step costs little more than a forward pass and a few photos a class
    are enough.
  </p>
  <p>
    The <a href="{escape(OVERFIT_LINK)}">Train panel</a> shows all of it live, on three classes from scratch without
    augmentation or early stopping: the two curves parting, the first layer's kernels changing, the held-out
    photos' answers, and the overview's maps redrawn as the weights learn. Then turn augmentation on, start
    again and compare the curves.
  </p>"""
