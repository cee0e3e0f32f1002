"""The second net: a logistic classifier over the bundled model's sentence vectors and the
red-flag concepts found in the sentences about now.

The sentence vector does not depend on exact words, so it catches emergencies told in phrasings
no rule names; the concepts let it learn combinations no rule lists. It reads only the sentences
about now (a past, hypothetical or general sentence cannot raise an emergency through it either).
Trained by `python -m assistant.ask.safety.training` on the labelled messages in knowledge/triage/
(written by people who never saw the code); the weights ship in assistant/data/emergency-net.npz
with the model name, the concept names and a hash of the training files.
"""

import logging
from pathlib import Path

import numpy as np

from ...texts import PACKAGE_DATA

NET_FILE = PACKAGE_DATA / "emergency-net.npz"
CONCEPT_WEIGHT = 0.5  # a concept's feature value, beside a unit-length sentence vector
log = logging.getLogger(__name__)

NetInput = tuple[str, frozenset[str]]  # the sentences about now, and their concepts


def features(
    embeddings, inputs: list[NetInput], concepts: list[str], also: tuple[str, ...] = ()
) -> np.ndarray:
    """The inputs' vectors and concepts. `also`: texts a later stage will embed (the whole
    message, for retrieval), which ride along in the same model call where that is cheaper."""
    texts = [text for text, _ in inputs]
    vectors = np.asarray(embeddings.encode(texts, ride_along=also), dtype=np.float32)
    found = np.array([[c in seen for c in concepts] for _, seen in inputs], dtype=np.float32)
    return np.hstack([vectors, CONCEPT_WEIGHT * found.reshape(len(inputs), len(concepts))])


class EmergencyNet:
    def __init__(self, embeddings, weights, bias: float, threshold: float, concepts: list[str]):
        self.embeddings = embeddings
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = float(bias)
        self.threshold = float(threshold)
        self.concepts = list(concepts)

    @classmethod
    def load(cls, embeddings, path: Path = NET_FILE) -> "EmergencyNet | None":
        """The shipped net, or None when it was trained on another model's vectors."""
        if embeddings is None or not Path(path).is_file():
            return None
        with np.load(path) as saved:
            model = str(saved["model"])
            if model != embeddings.weights:  # the same weights on another runtime is fine
                log.warning("emergency net trained on %s, not %s: off", model, embeddings.weights)
                return None
            return cls(
                embeddings,
                saved["weights"],
                saved["bias"],
                saved["threshold"],
                [str(c) for c in saved["concepts"]],
            )

    def probabilities(self, inputs: list[NetInput], also: tuple[str, ...] = ()) -> np.ndarray:
        x = features(self.embeddings, inputs, self.concepts, also)
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))

    def fires(self, inputs: list[NetInput], also: tuple[str, ...] = ()) -> tuple[bool, float]:
        """Whether any input reads as an emergency, and the highest probability."""
        if not inputs:
            return False, 0.0
        best = float(self.probabilities(inputs, also).max())
        return best >= self.threshold, best
