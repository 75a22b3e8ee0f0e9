from studytui.cli import main

if __name__ == "__main__":  # a process spawned by multiprocessing imports this module too: it must not run the CLI
    main()
