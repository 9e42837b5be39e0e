from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PufaMediaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pufa_media"
    verbose_name = _("普法宣传")

    def ready(self):
        from grid import files
        from legalqa.answer_selectors import register_step_provider
        from pufa_media import selectors, services
        from pufa_media.answer_steps import video_steps
        from pufa_media.models import Video

        register_step_provider(video_steps)

        def sources(request):
            """Raw uploads are not published media: only the editors who manage the video."""
            if not services.can_edit(request.user):
                return Video.objects.none()
            return selectors.staff_videos(request.user)

        files.register(Video, "source", visible=sources, filename=lambda v, f: f"video-{v.pk}-source")
