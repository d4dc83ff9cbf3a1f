from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey


class Command(RunHuey):
    help = (
        "Run Tandem's background worker (Huey): schedules, reminders, imports. "
        "Uses the SQLite queue in the data folder, or Redis when REDIS_URL is set. "
        "Run as many as you like against Redis."
    )
