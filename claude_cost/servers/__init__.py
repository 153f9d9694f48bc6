"""Other front ends beside the command line: mcp.py, the Model Context Protocol server."""
