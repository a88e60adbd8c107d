"""Regenerates sklearn-splits.json: the test sets scikit-learn's
train_test_split(X, y, test_size=0.2, random_state=SEED, stratify=y) draws on the shipped digits
and Iris data (sorted indices), plus the first outputs of numpy's legacy RandomState(0), so that
`split: scikit-learn` can be checked without scikit-learn installed. Run (needs scikit-learn):
    python3 Tests/CLLNTests/Fixtures/generate_sklearn_splits.py
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import train_test_split


def test_set(labels, seed):
    _, test = train_test_split(np.arange(len(labels)), test_size=0.2, random_state=seed, stratify=labels)
    return sorted(int(i) for i in test)


_, digits = load_digits(return_X_y=True)
_, iris = load_iris(return_X_y=True)
out = {
    "numpy": np.__version__,
    "scikit_learn": sklearn.__version__,
    "mt19937_seed0_first5": [int(v) for v in np.random.RandomState(0)._bit_generator.random_raw(5)],
    "permutation10_seed0": [int(v) for v in np.random.RandomState(0).permutation(10)],
    "digits_test": {str(s): test_set(digits, s) for s in [0, 1, 7, 4294967295]},
    "iris_test": {str(s): test_set(iris, s) for s in [0, 3]},
}
path = Path(__file__).with_name("sklearn-splits.json")
path.write_text(json.dumps(out) + "\n")
