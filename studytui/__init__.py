"""studytui: spaced-repetition study and exam drills for CNN and ResNet theory."""

__version__ = "0.1.0"
