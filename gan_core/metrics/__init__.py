"""Scores of quality and diversity, and alarms, for runs in training and for checkpoints.

    scores.py      Frechet distance, KID, precision/recall, class histogram; 2-D mode counting, KL/JS
    classifier.py  the small per-dataset classifiers whose features the image scores use
    inception.py   Inception-v3 FID/IS where the weights can be had (torch-fidelity + download or file)
    alarms.py      mode-collapse, divergence and D-overpowering detectors on a run's history
    monitor.py     what TrainingRun calls once per log window: scores every score_every steps,
                   alarms, TensorBoard
    evaluate.py    `python -m gan_core eval`: the scores of a checkpoint (or of real data: the floor)
"""
