"""What a notebook needs: its parameters (declared, typed, validated) and its context (data, scope, figures)."""
