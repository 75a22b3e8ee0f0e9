from studytui.cli import main

main()
