"""gan_core: the training core of the GAN playground.

Knows nothing of the UI (a test checks that no module imports streamlit). The page and the
command line both drive `gan_core.run.TrainingRun`, so there is one training loop.
"""

__version__ = "0.1.0"
