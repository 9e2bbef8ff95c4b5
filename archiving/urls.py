app_name = "archiving"

urlpatterns = []
