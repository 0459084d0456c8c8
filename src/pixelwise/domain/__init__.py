"""Pure rules of Pixelwise: no web, database or disk code may be imported here."""
