import { useApp, useTitle } from "../context.tsx";
import { IconArrowLeft } from "../components/icons.tsx";
import { Link } from "../components/ui.tsx";

export function NotFoundPage() {
  const { t } = useApp();
  useTitle(t("notFound.title"));
  return (
    <div class="container page page-narrow">
      <div class="not-found">
        <p class="not-found-code" aria-hidden="true">
          404
        </p>
        <h1>{t("notFound.title")}</h1>
        <p class="muted">{t("notFound.body")}</p>
        <Link href="/" class="btn btn-primary">
          <IconArrowLeft size={16} />
          {t("common.backHome")}
        </Link>
      </div>
    </div>
  );
}
