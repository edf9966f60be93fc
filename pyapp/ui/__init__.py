"""What every view shares: the State, the overview's geometry, the colours and the SVG writer."""
