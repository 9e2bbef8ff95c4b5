import os, django, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE","haparanda_social.settings")
django.setup()
from django.test import Client
from accounts.models import User
c = Client(); c.force_login(User.objects.get(username=os.environ.get("WHO","olle.agare")))
url=os.environ.get("URL","/moderering/")
for _ in range(3): c.get(url)
t=time.perf_counter()
for _ in range(10): c.get(url)
print("avg ms", (time.perf_counter()-t)*100)
import cProfile, pstats
pr=cProfile.Profile(); pr.enable()
for _ in range(5): c.get(url)
pr.disable()
pstats.Stats(pr).sort_stats("tottime").print_stats(30)
