import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <main className="not-found" id="main">
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link className="button button--primary" to="/">
          {t('notFound.home')}
        </Link>
      </p>
    </main>
  );
}
