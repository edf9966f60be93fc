"""What every view shares: the State, the overview's geometry, the colours, the SVG writer and the words
around class names."""
